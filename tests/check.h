/* Helpers for the cmocka tests: compare doubles (cmocka 1.1.5's
 * assert_float_equal casts to float). */
#ifndef HNNC_CHECK_H
#define HNNC_CHECK_H
#include <math.h>
#include <stdio.h>
#include <string.h>

/* |got - want| <= atol + rtol |want| elementwise; prints the first
 * mismatches and the worst error; returns the number of mismatches. */
static inline long check_close(const char *what, const double *got, const double *want, long n, double rtol,
                               double atol) {
  long i, bad = 0, worst = -1;
  double werr = 0;
  for (i = 0; i < n; i++) {
    double err = fabs(got[i] - want[i]), tol = atol + rtol * fabs(want[i]);
    int ok = err <= tol || (isnan(got[i]) && isnan(want[i]));
    if (!ok) {
      if (bad < 5)
        fprintf(stderr, "  %s[%ld]: got %.17g, want %.17g (error %.3g, tolerance %.3g)\n", what, i, got[i], want[i],
                err, tol);
      bad++;
    }
    if (isnan(err) || err / (tol > 0 ? tol : 1) > werr) werr = err / (tol > 0 ? tol : 1), worst = i;
  }
  if (bad) fprintf(stderr, "  %s: %ld of %ld mismatches, worst at %ld\n", what, bad, n, worst);
  return bad;
}
#define assert_close(what, got, want, n, rtol, atol) assert_int_equal(check_close(what, got, want, n, rtol, atol), 0)

/* bitwise equality of two double arrays */
static inline long check_bits(const char *what, const double *a, const double *b, long n) {
  long i, bad = 0;
  for (i = 0; i < n; i++)
    if (memcmp(&a[i], &b[i], sizeof(double))) {
      if (bad < 5) fprintf(stderr, "  %s[%ld]: %a vs %a\n", what, i, a[i], b[i]);
      bad++;
    }
  return bad;
}
#endif

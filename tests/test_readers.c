/* tests of the text readers of hostile input: runtime/rows.c (eval's
 * stdin) and runtime/params.c (the model identity beside a params.npy)
 *
 * Oracles: inputs written here whose numbers and errors are known by
 * construction (a row of 4000 numbers whose k-th value is k; a number
 * longer than any old buffer; a NUL at a known column).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "params.h"
#include "rows.h"

static char err[4096];

/* parses text (n bytes) with rt_rows_parse and, through a temporary FILE,
   with rt_rows_read: both must agree; returns the status */
static int parse_both(const char *text, size_t n, long width, rt_rows *out) {
  rt_rows b;
  char err2[4096];
  FILE *f = tmpfile();
  int rc, rc2;
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, n, f), n);
  rewind(f);
  rc = rt_rows_parse(text, n, "<stdin>", width, out, err, sizeof err);
  rc2 = rt_rows_read(f, "<stdin>", width, &b, err2, sizeof err2);
  fclose(f);
  assert_int_equal(rc, rc2);
  if (rc) assert_string_equal(err, err2);
  else {
    assert_int_equal(out->n, b.n);
    assert_int_equal(out->header, b.header);
    assert_memory_equal(out->data, b.data, out->n * width * sizeof *b.data);
  }
  rt_rows_free(&b);
  return rc;
}

static void expect_error(const char *text, long width, const char *want) {
  rt_rows r;
  if (!parse_both(text, strlen(text), width, &r)) {
    fprintf(stderr, "  accepted: '%s'\n", text);
    fail();
  }
  if (!strstr(err, want)) {
    fprintf(stderr, "  '%s': got '%s', want '%s'\n", text, err, want);
    fail();
  }
}

/* the old reader cut lines into 65,536-byte pieces: a row of 4000 numbers
   was "3277 numbers", and a number split at the boundary became two */
static void test_long_rows(void **state) {
  long width = 4000, k;
  size_t cap = 1 << 20, n = 0;
  char *text = malloc(cap);
  rt_rows r;
  (void)state;
  for (int row = 0; row < 3; row++) {
    for (k = 0; k < width; k++) n += (size_t)sprintf(text + n, "%s%.17g", k ? "," : "", k + row * 0.1 + 1e-9);
    text[n++] = '\n';
  }
  assert_true(n > 3 * 65536);
  assert_int_equal(parse_both(text, n, width, &r), 0);
  assert_int_equal(r.n, 3);
  for (k = 0; k < width; k++) assert_true(r.data[2 * width + k] == strtod("0", NULL) + (k + 0.2 + 1e-9));
  rt_rows_free(&r);
  /* one number of 100,000 digits: one number, not two rows */
  n = 0;
  text[n++] = '1';
  text[n++] = '.';
  while (n < 100000) text[n++] = '5';
  memcpy(text + n, ",2\n", 3), n += 3;
  assert_int_equal(parse_both(text, n, 2, &r), 0);
  assert_true(r.n == 1 && r.data[0] == 1.5555555555555556 && r.data[1] == 2);
  rt_rows_free(&r);
  free(text);
}

static void test_headers_comments_crlf(void **state) {
  rt_rows r;
  const char *csv = "q,p\r\n1,2\r\n\r\n# a comment\r\n  3 4\r\n";
  (void)state;
  assert_int_equal(parse_both(csv, strlen(csv), 2, &r), 0);
  assert_true(r.header && r.n == 2 && r.data[0] == 1 && r.data[3] == 4);
  rt_rows_free(&r);
  /* simulate's header (t, the state, H) and data's ("dq,dp") */
  assert_int_equal(parse_both("t,q1,q2,p1,p2,H\n1,2,3,4,5,6\n", 28, 6, &r), 0);
  assert_true(r.header && r.n == 1);
  rt_rows_free(&r);
  assert_int_equal(parse_both("", 0, 2, &r), 0);
  assert_true(r.n == 0 && !r.header);
  rt_rows_free(&r);
  /* a header only as the first line; nan/inf are numbers, not names */
  expect_error("1,2\nq,p\n", 2, "<stdin>:2:1: error: not a number: 'q'");
  expect_error("nan,inf\n", 2, "<stdin>:1:1: error: not a finite number: 'nan'");
  expect_error("q,p\nq,p\n", 2, "<stdin>:2:1: error: not a number: 'q'");
}

static void test_bad_numbers(void **state) {
  char text[64];
  (void)state;
  expect_error("1,2\n3,x1e\n", 2, "<stdin>:2:3: error: not a number: 'x1e'");
  expect_error("1,2\n3, 4abc\n", 2, "<stdin>:2:4: error: not a number: '4abc'");
  expect_error("1,1e999\n", 2, "<stdin>:1:3: error: not a finite number: '1e999'");
  expect_error("1,2,3\n", 2, "<stdin>:1: error: 3 numbers, a row has 2");
  expect_error("1\n", 2, "<stdin>:1: error: 1 numbers, a row has 2");
  /* the quote stays on its line: a long bad token is cut, not the line's neighbour */
  expect_error("1,abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\n2,3\n", 2,
               "'abcdefghijabcdefghijabcdefghijabcdefghij...'");
  assert_null(strchr(err, '\n'));
  /* a NUL inside a line is an error at its column, not the end of the line */
  memcpy(text, "1,2\n3,4\0,5\n", 11);
  {
    rt_rows r;
    assert_int_not_equal(parse_both(text, 11, 2, &r), 0);
    assert_string_equal(err, "<stdin>:2:4: error: a NUL byte in the line");
  }
}

static void test_params_sidecar(void **state) {
  char dir[] = "/tmp/hnnc_readers_XXXXXX", npy[256], side[256];
  rt_params_id id = {0x0123456789abcdefULL, 40801, 4, "pendulum_hnn"}, got;
  FILE *f;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(npy, sizeof npy, "%s/params.npy", dir);
  snprintf(side, sizeof side, "%s/params.model", dir);
  {
    char *p = rt_params_id_path(npy);
    assert_string_equal(p, side);
    free(p);
    p = rt_params_id_path("theta.bin");
    assert_string_equal(p, "theta.bin.model");
    free(p);
  }
  assert_int_equal(rt_params_id_read(npy, &got, err, sizeof err), -1); /* none: no identity */
  assert_int_equal(rt_params_id_write(npy, &id, err, sizeof err), 0);
  assert_int_equal(rt_params_id_read(npy, &got, err, sizeof err), 0);
  assert_true(got.hash == id.hash && got.nparams == 40801 && got.elem == 4);
  assert_string_equal(got.model, "pendulum_hnn");
  rt_params_id_free(&got);
  {
    static const char *const bad[][2] = {
        {"hnnc-params 1\nmodel m\nhash 0123456789abcdeg\nnparams 3\nelem float64\n", ":3: error: the hash"},
        {"hnnc-params 1\nmodel m\nhash 0123456789abcdef\nnparams -3\nelem float64\n", ":4: error: the parameter count"},
        {"hnnc-params 1\nmodel m\nhash 0123456789abcdef\nnparams 3\nelem int8\n", ":5: error: the element type"},
        {"hnnc-params 1\nmodel m\nhash 0123456789abcdef\n", "truncated"},
        {"hnnc-params 2\n", ":1: error: expected 'hnnc-params 1'"},
        {"hnnc-params 1\nmodel m\nhash 0123456789abcdef\nnparams 3\nelem float64\nmore\n", ":6: error: trailing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      f = fopen(side, "w");
      fputs(bad[i][0], f);
      fclose(f);
      assert_int_equal(rt_params_id_read(npy, &got, err, sizeof err), 1);
      if (!strstr(err, bad[i][1]) || !strstr(err, side)) {
        fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err, bad[i][1]);
        fail();
      }
    }
  }
  remove(side);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_long_rows),
      cmocka_unit_test(test_headers_comments_crlf),
      cmocka_unit_test(test_bad_numbers),
      cmocka_unit_test(test_params_sidecar),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Turns the CSV that `hnnc simulate` prints (t, the state, H) into the lines
 * an exported example.c prints: the step, the state and H - H(x0), all as
 * %a, so the two can be compared byte for byte. argv[1]: steps a row. A
 * last column H_true (the system's H, which simulate adds for a model with a
 * data set) is dropped: H is the model's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char line[4096];
  long every = argc > 1 ? atol(argv[1]) : 1000, row = -1;
  double H0 = 0;
  int drop = 0;
  while (fgets(line, sizeof line, stdin)) {
    double v[64];
    int n = 0;
    char *p = line, *end;
    if (row++ < 0) { /* the header */
      drop = strstr(line, ",H_true") != NULL;
      continue;
    }
    while (n < 64) {
      v[n] = strtod(p, &end);
      if (end == p) break;
      n++;
      p = *end == ',' ? end + 1 : end;
    }
    n -= drop;
    if (n < 3) return 1;
    if (row == 1) { H0 = v[n - 1]; continue; }
    printf("%ld", (row - 1) * every);
    for (int i = 1; i < n - 1; i++) printf(" %a", v[i]);
    printf(" %a\n", v[n - 1] - H0);
  }
  return 0;
}

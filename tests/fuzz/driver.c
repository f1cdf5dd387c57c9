/* Runs the fuzz target it is linked with over the files given (the seed
 * corpus and the regression inputs), without libFuzzer: make test uses it
 * with gcc. Exit status 0 when every input ran. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    do {
      if (n == cap) buf = realloc(buf, cap = cap ? 2 * cap : 4096);
      n += got = fread(buf + n, 1, cap - n, f);
    } while (got);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
  }
  return 0;
}

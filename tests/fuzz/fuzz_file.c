/* fuzz_file (fuzz.h) */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char paths[4][128];
static int nused;

static void cleanup(void) {
  for (int i = 0; i < nused; i++) remove(paths[i]);
  rmdir(dir);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size) {
  int i;
  FILE *f;
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/hnnc-fuzz-%d", (int)getpid());
    mkdir(dir, 0700);
    atexit(cleanup);
  }
  for (i = 0; i < nused && strcmp(strrchr(paths[i], '/') + 1, name); i++) {}
  if (i == nused) {
    if (nused == 4) abort();
    snprintf(paths[nused++], sizeof paths[0], "%s/%s", dir, name);
  }
  if (!(f = fopen(paths[i], "wb")) || fwrite(data, 1, size, f) != size || fclose(f)) abort();
  return paths[i];
}

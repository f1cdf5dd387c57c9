/* fuzz target: the checkpoint reader (runtime/checkpoint.c). The
 * checksum stops most mutations early, so half of the inputs get a valid
 * checksum appended over their bytes: the parser behind it is reached. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../runtime/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  rt_checkpoint c;
  uint8_t *fixed;
  for (int pass = 0; pass < 2; pass++) {
    size_t n = size;
    const char *path;
    if (pass == 0) path = fuzz_file("f.bin", data, size);
    else {
      uint64_t h;
      if (size < 8) break;
      fixed = malloc(size);
      memcpy(fixed, data, size);
      h = rt_fnv1a(RT_FNV_INIT, fixed, n - 8);
      for (int i = 0; i < 8; i++) fixed[n - 8 + i] = (uint8_t)(h >> (8 * i));
      path = fuzz_file("f.bin", fixed, n);
      free(fixed);
    }
    if (!rt_checkpoint_read(path, &c, err, sizeof err)) {
      volatile double sink = 0;
      (void)sink;
      for (long i = 0; i < 4 * c.nhist; i++) sink += c.hist[i];
      for (long i = 0; i < c.ntrain; i++) sink += (double)c.perm[i];
      for (long i = 0; i < c.ntest; i++) sink += (double)c.test_perm[i];
      rt_checkpoint_free(&c);
    } else if (!strstr(err, ": error: ")) __builtin_trap();
  }
  return 0;
}

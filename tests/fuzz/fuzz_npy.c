/* fuzz target: the .npy reader (runtime/npy.c), with and without the
 * finite and widening flags */
#include <string.h>

#include "fuzz.h"
#include "../../runtime/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  rt_npy a;
  const char *path = fuzz_file("f.npy", data, size);
  for (int flags = 0; flags < 4; flags++)
    if (!rt_npy_read(path, flags, &a, err, sizeof err)) {
      size_t es = (flags & RT_NPY_AS_F8) ? 8 : (size_t)a.dtype;
      volatile unsigned char sink = 0;
      (void)sink;
      for (size_t i = 0; i < (size_t)a.count * es; i++) sink ^= ((unsigned char *)a.data)[i]; /* touch it all */
      rt_npy_free(&a);
    } else if (!strstr(err, ": error: ")) __builtin_trap(); /* every failure explains itself */
  return 0;
}

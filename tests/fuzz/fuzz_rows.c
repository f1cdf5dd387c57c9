/* fuzz target: eval's stdin reader (runtime/rows.c); the first byte
 * chooses the row width (1..8) */
#include <string.h>

#include "fuzz.h"
#include "../../runtime/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  rt_rows r;
  long width;
  if (size < 1) return 0;
  width = 1 + data[0] % 8;
  if (!rt_rows_parse((const char *)data + 1, size - 1, "<stdin>", width, &r, err, sizeof err)) {
    volatile double sink = 0;
    (void)sink;
    for (long i = 0; i < r.n * width; i++) sink += r.data[i];
    rt_rows_free(&r);
  } else if (!strstr(err, "<stdin>")) __builtin_trap();
  return 0;
}

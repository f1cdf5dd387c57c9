/* fuzz target: a model file through the sandboxed front end, the passes
 * and the emitter (compiler/model.c: everything but the C compiler), with
 * small limits (16 MB, 2 million Lua instructions) so that each input runs
 * in milliseconds */
#include <string.h>

#include "fuzz.h"
#include "../../compiler/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[4096];
  ModelOptions mo;
  Model m;
  const char *path = fuzz_file("m.lua", data, size);
  memset(&mo, 0, sizeof mo);
  mo.limits.memory = (size_t)16 << 20;
  mo.limits.instructions = 2000000;
  if (!model_build(&m, path, &mo, err, sizeof err)) model_free(&m);
  else if (!strstr(err, "error")) __builtin_trap();
  return 0;
}

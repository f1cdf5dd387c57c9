/* fuzz target: the sidecar of a parameter file (runtime/params.c) */
#include <string.h>

#include "fuzz.h"
#include "../../runtime/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512], npy[160];
  rt_params_id id;
  const char *side = fuzz_file("p.model", data, size);
  size_t n = strlen(side) - strlen(".model");
  memcpy(npy, side, n);
  strcpy(npy + n, ".npy");
  if (!rt_params_id_read(npy, &id, err, sizeof err)) rt_params_id_free(&id);
  else if (!strstr(err, "p.model")) __builtin_trap();
  return 0;
}

/* fuzz target: a data set from CSV files (runtime/datafiles.c, on
 * rows.c): the input is all four files x_train, dx_train, x_test, dx_test */
#include <string.h>

#include "fuzz.h"
#include "../../runtime/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[4] = {"x_train.csv", "dx_train.csv", "x_test.csv", "dx_test.csv"};
  char err[512], dir[128];
  rt_dataset d;
  const char *path = NULL;
  for (int i = 0; i < 4; i++) path = fuzz_file(names[i], data, size);
  memcpy(dir, path, strlen(path) - strlen("/dx_test.csv"));
  dir[strlen(path) - strlen("/dx_test.csv")] = 0;
  if (!rt_dataset_load_csv(dir, &d, err, sizeof err)) rt_dataset_free(&d);
  else if (!strstr(err, "error")) __builtin_trap();
  return 0;
}

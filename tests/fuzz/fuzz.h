/* Shared by the fuzz targets: the input as a file, since the readers
 * under test take paths. Each process writes into its own folder
 * (/tmp/hnnc-fuzz-PID), created on first use and removed at exit. */
#ifndef HNNC_FUZZ_H
#define HNNC_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* writes data to the file NAME in the process's folder; returns its path
   (static storage, valid until the next call with the same name slot) */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

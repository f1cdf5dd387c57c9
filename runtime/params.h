/* The identity of a parameter file: which model its values belong to.
 *
 * A .npy holds numbers only (numpy refuses extra header keys), so a bare
 * params.npy of the right size fits any model with as many parameters:
 * a baseline's values would run as an HNN's without a word. hnnc writes
 * beside X.npy a small text file, its sidecar X.model:
 *
 *   hnnc-params 1
 *   model pendulum_hnn
 *   hash 0123456789abcdef
 *   nparams 40801
 *   elem float64
 *
 * (the hash is the checkpoint's model hash: the generated code, the
 * parameter layout and the element type). Readers compare it with the
 * model they run; a file without a sidecar has no identity to check.
 */
#ifndef RT_PARAMS_H
#define RT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_params_id {
  uint64_t hash;
  long nparams;
  int elem;    /* 4: float32, 8: float64 (the model's, not the file's) */
  char *model; /* the model's name, malloc'd */
} rt_params_id;

/* the sidecar's path for a parameter file: X.npy -> X.model, else
   PATH.model (malloc'd; NULL when out of memory) */
char *rt_params_id_path(const char *npy_path);

/* Writes the sidecar of npy_path atomically. 0, or 1 with "PATH: error: ..." */
int rt_params_id_write(const char *npy_path, const rt_params_id *id, char *err, size_t nerr);

/* Reads the sidecar of npy_path into *id (free with rt_params_id_free).
   0: read; -1: there is none (not an error); 1: it exists but is malformed
   ("SIDECAR:LINE: error: ..." in err). */
int rt_params_id_read(const char *npy_path, rt_params_id *id, char *err, size_t nerr);
void rt_params_id_free(rt_params_id *id);
#endif

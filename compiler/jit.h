/* Backends: the generated C compiled in process by libtcc, or by gcc into
 * a shared object that is loaded with dlopen. Both give the same bits. */
#ifndef HNNC_JIT_H
#define HNNC_JIT_H
#include <stddef.h>

enum { JIT_TCC, JIT_GCC };

typedef struct Jit {
  int backend;
  void *tcc;     /* TCCState */
  void *dl;      /* dlopen handle */
} Jit;

/* Compiles src. On failure returns nonzero with a message in err; errors
 * in the generated code are mapped to the model line that made the node. */
int jit_compile(Jit *j, int backend, const char *src, char *err, size_t nerr);
void *jit_symbol(Jit *j, const char *name);
void jit_free(Jit *j);
int jit_backend(const char *name); /* "tcc", "gcc", or -1 */

/* The flags of the gcc path (the README quotes them). On x86, gcc's own
 * loops (the fused elementwise code) may use the full width of AVX-512
 * registers where the target has them (gcc prefers 32 bytes by default):
 * 5-10% on the pendulum HNN's field; the same operations per element, the
 * same bits. */
#if defined(__x86_64__)
#define JIT_GCC_FLAGS "-std=c99 -O3 -march=native -mprefer-vector-width=512 -ffp-contract=off -fPIC -shared"
#else
#define JIT_GCC_FLAGS "-std=c99 -O3 -march=native -ffp-contract=off -fPIC -shared"
#endif
#endif

/* hnnc.h: the public interface of the compiler library, the one header the
 * program (cli/) and the tests include.
 *
 * The library compiles a Lua model file into C: model_build runs the pass
 * list (model.c: front, check, then per function dce and schedule, then
 * emit), model_jit compiles the C with libtcc or gcc and binds the kernels,
 * init_params draws the initial parameters; export_model writes a model
 * with its parameters as one standalone C file, and export_separable
 * decides from the graph whether a Hamiltonian field is separable
 * (export.h). The graph types (ir.h) and the
 * plans (plan.h) are visible for tests and dumps.
 *
 * Error convention (every fallible function of the library):
 *   - it returns 0 (or a non-NULL pointer) on success, and nonzero (or NULL)
 *     on failure, with one message in the caller's buffer err[nerr],
 *     truncated to fit: "FILE:LINE: error: WHAT" for a mistake in a model
 *     file (FILE and LINE name the user's line; a second line
 *     "LIB:LINE: note: in F() called from FILE:LINE" when it arose in the
 *     layer library), "PATH: error: WHAT" for a file that cannot be read,
 *     "hnnc: error: WHAT" otherwise;
 *   - nothing is left allocated by a failed call (the caller frees what it
 *     got from a successful one: model_free);
 *   - the library never prints and never exits, but for the two cases
 *     below: warnings and the model's print() reach the caller through
 *     ModelOptions.note, dumps through ModelOptions.dump;
 *   - running out of memory ends the process with status 1 and "hnnc:
 *     error: out of memory ..." on stderr (xmalloc, xrealloc);
 *   - a broken invariant of the compiler itself (a bug, not bad input)
 *     aborts with "hnnc: internal error at FILE:LINE" on stderr (IR_ASSERT,
 *     ir_bug); a verifier (--verify) reports "hnnc: internal error: after
 *     pass P: ..." through err instead.
 */
#ifndef HNNC_H
#define HNNC_H
#include "export.h"
#include "init.h"
#include "model.h"
#include "verify.h"
#endif

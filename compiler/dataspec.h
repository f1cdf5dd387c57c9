/* The data set a model file declares with hn.data{...} (compiler/lib/
 * hnnc/data.lua checks it, compiler/front_data.c fills this): a recipe the
 * runtime follows (runtime/data.h's rt_task, which cli/ makes from it).
 * Arrays are malloc'd and owned by the Graph (dataspec_free).
 */
#ifndef HNNC_DATASPEC_H
#define HNNC_DATASPEC_H
#include <stdint.h>

/* samplers, numbered as runtime/data.h's RT_X0_* */
enum { DS_BOX, DS_SHELL, DS_LIST, DS_ENERGY };
enum { DS_RK45, DS_DOP853 };

typedef struct DataSampler {
  int kind;
  double *lo, *hi;        /* box: dim bounds; energy: dim/2 position bounds */
  double r_lo, r_hi;      /* shell radii */
  double energy;          /* energy shell: H(x0) = energy */
  double *list; int nlist;/* given states, nlist x dim */
  int drawn;              /* the list was drawn by a Lua function from the seed */
} DataSampler;

typedef struct DataSpec {
  int present, loc;
  char *name;             /* "" unless given */
  char *published;        /* "spring", "pendulum", "two_body", or NULL */
  char *system;           /* the system model, relative to the working folder */
  int dim;                /* the system's state size (even) */
  int ntraj;
  DataSampler x0;
  double t0, t1; int npoints;
  double *times;          /* a given grid of npoints times, or NULL: linspace */
  int integrator;         /* DS_RK45, DS_DOP853 */
  double rtol, atol;
  int pad;
  double noise;
  double split; int test_first;
  DataSampler eval_x0;
  int rollouts; double eval_t0, eval_t1; int eval_points;
  double eval_rtol, eval_atol;
  uint64_t seed;          /* the seed drawn lists were drawn with */
  /* bring your own data: files = {x = ..., dx = ..., t = ...} (paths
     relative to the working folder; dx and t may be NULL); system may then
     be NULL, and ntraj, x0 and the grid 0 when not declared */
  char *file_x, *file_dx, *file_t;
} DataSpec;

void dataspec_free(DataSpec *d);
#endif

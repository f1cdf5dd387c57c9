/* The graph IR: nodes with static per-sample shapes, hash-consed at
 * construction (so equal subexpressions are one node: CSE for free), folded
 * only by identities that are exact in IEEE arithmetic.
 *
 * Ids are creation order and every operand id is smaller than its user's:
 * id order is a topological order, and every order and name in the output
 * derives from ids, never from pointers or hash order.
 */
#ifndef HNNC_IR_H
#define HNNC_IR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dataspec.h"
#include "text.h"

enum {
#define OP(NAME, nin, kind, name, flags, attrs, c, cf, flops, deriv, domain) OP_##NAME,
#include "ops.h"
#undef OP
  OP_COUNT
};
enum { KIND_LEAF, KIND_EW1, KIND_EW2, KIND_LIN, KIND_MM, KIND_SOLVE };
enum { OPF_LUA = 1, OPF_VIEW = 2, OPF_REDUCE = 4, OPF_INLINE = 8, OPF_CALL = 16 };

/* One row of the op table (ops.h describes the columns). */
typedef struct OpInfo {
  const char *name;
  int nin, kind, flags;
  const char *attrs, *c[2]; /* c[0] for double, c[1] for float */
  int flops;
  const char *deriv, *domain;
} OpInfo;
extern const OpInfo ir_op[OP_COUNT];

#define IR_MAXRANK 4
#define IR_MAXELEMS (1L << 28) /* per tensor: 2 GiB of doubles */

typedef struct Shape { int rank; int dim[IR_MAXRANK]; } Shape;

typedef struct Node {
  int op;
  int nin;
  long inoff;         /* operand ids: g->pool[inoff .. inoff+nin-1]      */
  Shape shape;        /* per sample                                      */
  int batched;        /* 1: one value per sample; 0: shared              */
  int a[3];           /* integer attributes, see ops.h                   */
  double value;       /* OP_CONST                                        */
  int data;           /* OP_TENSOR: offset into the graph's constant pool */
  int loc;            /* index into the graph's location table           */
} Node;

typedef struct Param {
  char *name;
  Shape shape;
  long offset;        /* into theta, in elements                          */
  int node, loc;
  char init[16];      /* zeros ones normal uniform glorot orthogonal torch */
  double arg[2];      /* normal: mean, std; uniform: lo, hi; orthogonal: gain */
} Param;

typedef struct Input { char *name; Shape shape; int node; } Input;

typedef struct Func {
  char *name;
  int nin, nout;
  Input *in;
  int *out;           /* node ids */
  char **outname;
  int loc;
  int cold;           /* hn.fn{..., cold = true}: compiled for size, not speed */
} Func;

/* Training settings of a model file, from hn.train{...} (see front.c). */
typedef struct TrainSpec {
  int present, loc;
  char task[32];       /* data set recipe: spring, pendulum, two_body        */
  char *system;        /* the analytic system model (true H, data), a path   */
  long steps;          /* Adam updates                                       */
  double lr, weight_decay;
  long batch;          /* rows per step; 0 = full batch                      */
  char schedule[16];   /* learning rate: constant, cosine, step, exponential */
  long decay_steps;    /* step: the period; cosine: the horizon (0: steps)   */
  double gamma, min_lr;/* step and exponential factor; cosine floor          */
} TrainSpec;

typedef struct Graph Graph;
struct Graph {
  Node *node; int nnode, capnode;
  int *pool; long npool, cappool;        /* operand ids                  */
  double *cdata; long ncdata, capcdata;  /* constant tensors             */
  int *hash; long caphash;               /* hash-consing: open addressing */
  char **loc; int nloc, caploc;          /* "file:line" strings (+ notes) */
  Param *param; int nparam; long nparams_total;
  Func *func; int nfunc;
  char *name;                            /* model name, a C identifier    */
  int is_float;                          /* element type float (else double) */
  int fma;                               /* products by fused multiply-adds (hn.model{fma = true}) */
  uint64_t seed;
  int curloc;                            /* location given to new nodes   */
  TrainSpec train;
  char *notes;                           /* hn.note lines "key text\n", or NULL */
  DataSpec data;                         /* hn.data (dataspec.h)          */
  Text warnings;                         /* "FILE:LINE: warning: ..." lines */
  /* errors: ir_error formats into errmsg (a heap string) and calls throw,
   * which never returns (a longjmp, or lua_error while tracing) */
  char *errmsg;
  void (*throw_)(Graph *g);
  void *ud;
};

Graph *ir_new(void);
void ir_free(Graph *g);
_Noreturn void ir_error(Graph *g, int loc, const char *fmt, ...);
_Noreturn void ir_bug(const char *file, int line, const char *msg);
#define IR_ASSERT(c) ((c) ? (void)0 : ir_bug(__FILE__, __LINE__, #c))
int ir_location(Graph *g, const char *text);
int ir_loc_head(const char *loc);
/* name as a C identifier (a heap string): other characters become '_', a
 * name not starting with a letter gets a 'p' in front ("mlp1.2.W" -> "mlp1_2_W") */
char *ir_c_ident(const char *name); /* length of a location's first line, "file:line" */
void ir_warn(Graph *g, int loc, const char *msg); /* once per location and message */
#define IR_IN(g, id) ((g)->pool + (g)->node[id].inoff) /* operand ids of node id */
void *xmalloc(size_t n);
/* zeroed, 64-byte aligned (a cache line, an AVX-512 vector), freed by free():
   for the arrays generated code reads (theta, inputs, outputs, workspaces).
   An unaligned workspace splits vector loads across cache lines: the same
   bits, up to 25% slower (the pendulum HNN's loss_grad at batch 32). */
void *xmalloc_vec(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

extern const char *const ir_opname[OP_COUNT]; /* ir_op[op].name, .nin, .kind */
extern const int ir_opnin[OP_COUNT];
extern const int ir_opkind[OP_COUNT];

long shape_size(const Shape *s);
Shape shape_make(int rank, const int *dim);
int shape_equal(const Shape *a, const Shape *b);
char *shape_str(const Shape *s, char *buf); /* "[2,200]" */

/* Node constructors. Each checks shapes (reporting at g->curloc), folds
 * exact identities, and returns an existing equal node if there is one. */
int ir_input(Graph *g, int index, Shape s);
int ir_param(Graph *g, int index);
int ir_const(Graph *g, double v, Shape s, int batched);
int ir_scalar(Graph *g, double v);
int ir_tensor(Graph *g, const double *data, Shape s);
int ir_nbatch(Graph *g);
int ir_unary(Graph *g, int op, int x);
int ir_powi(Graph *g, int x, int n);
int ir_binary(Graph *g, int op, int a, int b);
int ir_reshape(Graph *g, int x, Shape s);
int ir_transpose(Graph *g, int x);
int ir_sum(Graph *g, int x, int axis);
int ir_expand(Graph *g, int x, int axis, int len);
int ir_slice(Graph *g, int x, int axis, int start, int len);
int ir_pad(Graph *g, int x, int axis, int start, int total);
int ir_concat(Graph *g, const int *xs, int n, int axis);
int ir_bsum(Graph *g, int x);
int ir_bcast(Graph *g, int x);
int ir_matmul(Graph *g, int a, int b, int ta, int tb);
int ir_bmatmul(Graph *g, int a, int b, int ta, int tb);
/* x = op(A)⁻¹ b for A [m,m], b [m] or [m,k], or row by row for A [r,m,m],
 * b [r,m] (ta: op(A) = Aᵀ); m <= IR_SOLVE_MAX */
int ir_solve(Graph *g, int a, int b, int ta);
enum { IR_SOLVE_MAX = 64 };
int ir_zeros_like(Graph *g, int x);
int ir_is_const(Graph *g, int x, double v);

/* Convenience: sum of all elements to a scalar. */
int ir_sum_all(Graph *g, int x);

/* Appends node id's attributes as the op table's format says. */
void ir_attrs(const Graph *g, int id, Text *t);
/* Printer: one line a node, in id order, for the nodes reachable from roots
 * (all nodes when roots is NULL). */
void ir_print(Graph *g, const int *roots, int nroots, void (*put)(void *, const char *), void *ctx);
/* Marks in keep[] the nodes reachable from roots; returns their count. */
int ir_reach(Graph *g, const int *roots, int nroots, char *keep);

/* Derivatives (autodiff.c): graph -> graph transforms.
 * vjp: adjoints of the wrt nodes for y with seed (same shape as y).
 * jvp: the tangent of y when the wrt nodes move along tangents. */
void ad_vjp(Graph *g, int y, int seed, const int *wrt, int nwrt, int *out);
int ad_jvp(Graph *g, int y, const int *wrt, const int *tangent, int nwrt);

#endif

/* Graph construction: shape checking, exact folding, hash-consing.
 * Every constructor reports user errors at g->curloc (the model line that is
 * being traced) and returns a node id. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

const OpInfo ir_op[OP_COUNT] = {
#define OP(NAME, nin, kind, name, flags, attrs, c, cf, flops, deriv, domain) \
  {name, nin, KIND_##kind, flags, attrs, {c, cf}, flops, deriv, domain},
#include "ops.h"
#undef OP
};
const char *const ir_opname[OP_COUNT] = {
#define OP(NAME, nin, kind, name, ...) name,
#include "ops.h"
#undef OP
};
const int ir_opnin[OP_COUNT] = {
#define OP(NAME, nin, ...) nin,
#include "ops.h"
#undef OP
};
const int ir_opkind[OP_COUNT] = {
#define OP(NAME, nin, kind, ...) KIND_##kind,
#include "ops.h"
#undef OP
};

/* Out of memory is the machine's or the model's limit, not a bug: the
 * process ends with status 1 and a message, not with abort()'s core dump.
 * The library's one exit (compiler/hnnc.h); every file hnnc writes goes to
 * a temporary name first, so nothing is left half-written under its name. */
static _Noreturn void ir_oom(size_t n) {
  fprintf(stderr, "hnnc: error: out of memory (asking for %zu bytes more): give the process more memory, or make the "
                  "model smaller\n", n);
  exit(1);
}
void *xmalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) ir_oom(n);
  return p;
}
void *xmalloc_vec(size_t n) {
  size_t size = (n + 63) / 64 * 64; /* aligned_alloc wants a multiple of the alignment */
  void *p = aligned_alloc(64, size ? size : 64);
  if (!p) ir_oom(size);
  return memset(p, 0, size ? size : 64);
}
void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) ir_oom(n);
  return p;
}
char *xstrdup(const char *s) { return strcpy(xmalloc(strlen(s) + 1), s); }

_Noreturn void ir_bug(const char *file, int line, const char *msg) {
  fprintf(stderr, "hnnc: internal error at %s:%d: %s\n", file, line, msg);
  abort();
}

/* The first line of a location text ("file:line"); notes follow a '\n'. */
int ir_loc_head(const char *where) {
  const char *nl = strchr(where, '\n');
  return nl ? (int)(nl - where) : (int)strlen(where);
}

/* loc texts are "file:line", optionally followed by "\n" and note lines */
_Noreturn void ir_error(Graph *g, int loc, const char *fmt, ...) {
  va_list ap;
  const char *where = loc >= 0 && loc < g->nloc ? g->loc[loc] : "hnnc";
  Text t = {0};
  text_put(&t, "%.*s: error: ", ir_loc_head(where), where);
  va_start(ap, fmt);
  text_vput(&t, fmt, ap);
  va_end(ap);
  text_put(&t, "%s", where + ir_loc_head(where));
  free(g->errmsg);
  g->errmsg = t.s;
  IR_ASSERT(g->throw_);
  g->throw_(g);
  abort(); /* throw_ never returns */
}

void ir_warn(Graph *g, int loc, const char *msg) {
  const char *where = loc >= 0 && loc < g->nloc ? g->loc[loc] : "hnnc";
  char *line = text_fmt("%.*s: warning: %s\n", ir_loc_head(where), where, msg);
  if (!g->warnings.s || !strstr(g->warnings.s, line)) text_put(&g->warnings, "%s", line);
  free(line);
}

Graph *ir_new(void) {
  Graph *g = xmalloc(sizeof *g);
  g->caphash = 1 << 12;
  g->hash = xmalloc(g->caphash * sizeof *g->hash);
  memset(g->hash, -1, g->caphash * sizeof *g->hash);
  g->cappool = 256; /* never NULL: IR_IN(g, id) of an operand-free node adds 0 to it (UB on NULL; found by fuzzing) */
  g->pool = xmalloc(g->cappool * sizeof *g->pool);
  g->curloc = -1;
  return g;
}

void ir_free(Graph *g) {
  int i;
  if (!g) return;
  for (i = 0; i < g->nloc; i++) free(g->loc[i]);
  for (i = 0; i < g->nparam; i++) free(g->param[i].name);
  for (i = 0; i < g->nfunc; i++) {
    Func *f = &g->func[i];
    int j;
    for (j = 0; j < f->nin; j++) free(f->in[j].name);
    for (j = 0; j < f->nout; j++) free(f->outname[j]);
    free(f->name); free(f->in); free(f->out); free(f->outname);
  }
  free(g->node); free(g->pool); free(g->cdata); free(g->hash); free(g->loc);
  free(g->param); free(g->func); free(g->name); free(g->notes);
  free(g->train.system); free(g->errmsg); text_free(&g->warnings);
  dataspec_free(&g->data);
  free(g);
}

char *ir_c_ident(const char *name) {
  Text t = {0};
  if (!(*name >= 'a' && *name <= 'z') && !(*name >= 'A' && *name <= 'Z')) text_put(&t, "p");
  for (; *name; name++) text_put(&t, "%c", isalnum((unsigned char)*name) ? *name : '_');
  return t.s;
}

int ir_location(Graph *g, const char *text) {
  int i;
  for (i = g->nloc - 1; i >= 0 && i >= g->nloc - 8; i--)
    if (!strcmp(g->loc[i], text)) return i;
  if (g->nloc == g->caploc) {
    g->caploc = g->caploc ? 2 * g->caploc : 64;
    g->loc = xrealloc(g->loc, g->caploc * sizeof *g->loc);
  }
  g->loc[g->nloc] = xstrdup(text);
  return g->nloc++;
}

/* ---- shapes ---- */

long shape_size(const Shape *s) {
  long n = 1;
  int i;
  for (i = 0; i < s->rank; i++) n *= s->dim[i];
  return n;
}
Shape shape_make(int rank, const int *dim) {
  Shape s;
  int i;
  memset(&s, 0, sizeof s);
  s.rank = rank;
  for (i = 0; i < rank; i++) s.dim[i] = dim[i];
  return s;
}
int shape_equal(const Shape *a, const Shape *b) {
  int i;
  if (a->rank != b->rank) return 0;
  for (i = 0; i < a->rank; i++)
    if (a->dim[i] != b->dim[i]) return 0;
  return 1;
}
char *shape_str(const Shape *s, char *buf) {
  int i, k = 0;
  buf[k++] = '[';
  for (i = 0; i < s->rank; i++) k += sprintf(buf + k, "%s%d", i ? "," : "", s->dim[i]);
  buf[k++] = ']';
  buf[k] = 0;
  return buf;
}

/* ---- hash-consing ---- */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}
static uint64_t bits(double v) { uint64_t u; memcpy(&u, &v, 8); return u; }

static uint64_t node_hash(Graph *g, const Node *n, const int *in) {
  uint64_t h = mix(n->op, n->nin);
  int i;
  for (i = 0; i < n->nin; i++) h = mix(h, in[i]);
  for (i = 0; i < 3; i++) h = mix(h, (uint64_t)(int64_t)n->a[i]);
  h = mix(h, bits(n->value));
  h = mix(h, n->batched);
  for (i = 0; i < n->shape.rank; i++) h = mix(h, n->shape.dim[i]);
  if (n->op == OP_TENSOR) {
    long k, sz = shape_size(&n->shape);
    for (k = 0; k < sz; k++) h = mix(h, bits(g->cdata[n->data + k]));
  }
  return h;
}
static int node_equal(Graph *g, const Node *a, const int *ain, const Node *b, const int *bin) {
  if (a->op != b->op || a->nin != b->nin || a->batched != b->batched) return 0;
  if (memcmp(a->a, b->a, sizeof a->a) || bits(a->value) != bits(b->value)) return 0;
  if (!shape_equal(&a->shape, &b->shape)) return 0;
  if (a->nin && memcmp(ain, bin, a->nin * sizeof *ain)) return 0;
  if (a->op == OP_TENSOR &&
      memcmp(g->cdata + a->data, g->cdata + b->data, shape_size(&a->shape) * sizeof(double)))
    return 0;
  return 1;
}

static void rehash(Graph *g) {
  long i;
  free(g->hash);
  g->caphash *= 2;
  g->hash = xmalloc(g->caphash * sizeof *g->hash);
  memset(g->hash, -1, g->caphash * sizeof *g->hash);
  for (i = 0; i < g->nnode; i++) {
    long k = node_hash(g, &g->node[i], IR_IN(g, i)) & (g->caphash - 1);
    while (g->hash[k] >= 0) k = (k + 1) & (g->caphash - 1);
    g->hash[k] = (int)i;
  }
}

/* Interns n with operands in[]: returns the id of the earliest equal node, or
 * appends n. Inputs and params never merge (a[0] holds their index). */
static int intern(Graph *g, Node n, const int *in) {
  long k;
  uint64_t h = node_hash(g, &n, in);
  int id;
  for (k = h & (g->caphash - 1); g->hash[k] >= 0; k = (k + 1) & (g->caphash - 1)) {
    int c = g->hash[k];
    if (node_equal(g, &g->node[c], IR_IN(g, c), &n, in)) return c;
  }
  if (shape_size(&n.shape) > IR_MAXELEMS) {
    char buf[64];
    ir_error(g, g->curloc, "tensor of shape %s is too large (more than %ld elements)",
             shape_str(&n.shape, buf), (long)IR_MAXELEMS);
  }
  if (g->nnode >= (1 << 24)) ir_error(g, g->curloc, "graph too large (more than 16M nodes)");
  if (g->npool + n.nin > g->cappool) {
    g->cappool = 2 * (g->cappool + n.nin) + 256;
    g->pool = xrealloc(g->pool, g->cappool * sizeof *g->pool);
  }
  if (n.nin) memcpy(g->pool + g->npool, in, n.nin * sizeof *in);
  n.inoff = g->npool;
  g->npool += n.nin;
  if (g->nnode == g->capnode) {
    g->capnode = g->capnode ? 2 * g->capnode : 1024;
    g->node = xrealloc(g->node, g->capnode * sizeof *g->node);
  }
  n.loc = g->curloc;
  id = g->nnode++;
  g->node[id] = n;
  g->hash[k] = id;
  if (2L * g->nnode > g->caphash) rehash(g);
  return id;
}

/* ---- constructors ---- */

static Node blank(int op, Shape s, int batched) {
  Node n;
  memset(&n, 0, sizeof n);
  n.op = op;
  n.nin = ir_opnin[op] > 0 ? ir_opnin[op] : 0;
  n.shape = s;
  n.batched = batched;
  n.data = -1;
  return n;
}
static Shape scalar_shape(void) { Shape s; memset(&s, 0, sizeof s); return s; }
#define N(id) (&g->node[id])

/* Rounds to the model's element type: constants of a float model are floats. */
static double elem(Graph *g, double v) { return g->is_float ? (double)(float)v : v; }

int ir_input(Graph *g, int index, Shape s) {
  Node n = blank(OP_INPUT, s, 1);
  n.a[0] = index;
  n.a[1] = g->nfunc; /* inputs of different functions are different nodes */
  return intern(g, n, NULL);
}
int ir_param(Graph *g, int index) {
  Node n = blank(OP_PARAM, g->param[index].shape, 0);
  n.a[0] = index;
  return intern(g, n, NULL);
}
int ir_const(Graph *g, double v, Shape s, int batched) {
  Node n = blank(OP_CONST, s, batched);
  if (!isfinite(v)) ir_error(g, g->curloc, "non-finite constant %g", v);
  n.value = elem(g, v);
  return intern(g, n, NULL);
}
int ir_scalar(Graph *g, double v) { return ir_const(g, v, scalar_shape(), 0); }
int ir_zeros_like(Graph *g, int x) { return ir_const(g, 0.0, N(x)->shape, 0); }
int ir_nbatch(Graph *g) { return intern(g, blank(OP_NBATCH, scalar_shape(), 0), NULL); }

int ir_tensor(Graph *g, const double *data, Shape s) {
  long k, sz = shape_size(&s);
  Node n = blank(OP_TENSOR, s, 0);
  int id;
  if (sz > IR_MAXELEMS) ir_error(g, g->curloc, "constant tensor too large");
  for (k = 0; k < sz; k++)
    if (!isfinite(data[k])) ir_error(g, g->curloc, "non-finite constant in tensor at element %ld", k + 1);
  if (g->ncdata + sz > g->capcdata) {
    g->capcdata = 2 * (g->capcdata + sz) + 256;
    g->cdata = xrealloc(g->cdata, g->capcdata * sizeof *g->cdata);
  }
  for (k = 0; k < sz; k++) g->cdata[g->ncdata + k] = elem(g, data[k]);
  n.data = (int)g->ncdata;
  id = intern(g, n, NULL);
  if (N(id)->data == n.data) g->ncdata += sz; /* new node: keep the data */
  return id;
}

/* A shared scalar constant? Its value in *v. */
static int const_scalar(Graph *g, int x, double *v) {
  if (N(x)->op != OP_CONST) return 0;
  *v = N(x)->value;
  return 1;
}
int ir_is_const(Graph *g, int x, double v) {
  double c;
  return const_scalar(g, x, &c) && bits(c) == bits(v);
}

int ir_unary(Graph *g, int op, int x) {
  Node n = blank(op, N(x)->shape, N(x)->batched);
  double c;
  IR_ASSERT(ir_opkind[op] == KIND_EW1 && op != OP_POWI);
  if (op == OP_NEG && N(x)->op == OP_NEG) return IR_IN(g, x)[0]; /* -(-x) = x */
  if (const_scalar(g, x, &c)) { /* fold only what is exact */
    if (op == OP_NEG) return ir_const(g, -c, N(x)->shape, 0);
    if (op == OP_ABS) return ir_const(g, fabs(c), N(x)->shape, 0);
    if (op == OP_SQUARE) return ir_const(g, elem(g, c * c), N(x)->shape, 0);
    if (op == OP_SIGN) return ir_const(g, c > 0 ? 1 : c < 0 ? -1 : 0, N(x)->shape, 0);
    if (op == OP_STEP) return ir_const(g, c > 0 ? 1 : 0, N(x)->shape, 0);
    if (op == OP_RELU) return ir_const(g, c > 0 ? c : 0, N(x)->shape, 0);
  }
  return intern(g, n, &x);
}

int ir_powi(Graph *g, int x, int k) {
  Node n = blank(OP_POWI, N(x)->shape, N(x)->batched);
  if (k == 1) return x;
  if (k == 0) return ir_const(g, 1.0, N(x)->shape, 0); /* per sample again at an output (bind.c) */
  if (k == 2) return ir_unary(g, OP_SQUARE, x);
  if (k > 64 || k < -64) ir_error(g, g->curloc, "integer power %d out of range (|k| <= 64)", k);
  n.a[0] = k;
  return intern(g, n, &x);
}

int ir_binary(Graph *g, int op, int a, int b) {
  Node *na = N(a), *nb = N(b);
  Node n;
  double ca, cb;
  int in[2];
  IR_ASSERT(ir_opkind[op] == KIND_EW2);
  if (!shape_equal(&na->shape, &nb->shape) && na->shape.rank && nb->shape.rank) {
    char s1[64], s2[64];
    ir_error(g, g->curloc, "shape mismatch in %s: %s and %s", ir_opname[op],
             shape_str(&na->shape, s1), shape_str(&nb->shape, s2));
  }
  n = blank(op, na->shape.rank ? na->shape : nb->shape, na->batched || nb->batched);
  /* exact identities, when the other operand already has the result's shape */
#define SAME(x) (shape_equal(&N(x)->shape, &n.shape) && N(x)->batched == n.batched)
  if (const_scalar(g, b, &cb) && SAME(a)) {
    if (op == OP_MUL && cb == 1.0) return a;
    if (op == OP_DIV && cb == 1.0) return a;
    if (op == OP_SUB && bits(cb) == 0) return a;                   /* x - (+0) = x */
    if (op == OP_ADD && bits(cb) == 0x8000000000000000ULL) return a; /* x + (-0) = x */
    if (op == OP_MUL && cb == -1.0) return ir_unary(g, OP_NEG, a);
  }
  if (const_scalar(g, a, &ca) && SAME(b)) {
    if (op == OP_MUL && ca == 1.0) return b;
    if (op == OP_MUL && ca == -1.0) return ir_unary(g, OP_NEG, b);
    if (op == OP_ADD && bits(ca) == 0x8000000000000000ULL) return b;
  }
#undef SAME
  if (const_scalar(g, a, &ca) && const_scalar(g, b, &cb)) {
    /* + - * / are exact in double and, rounded once more, in float */
    double v = op == OP_ADD ? ca + cb : op == OP_SUB ? ca - cb : op == OP_MUL ? ca * cb : ca / cb;
    if (isfinite(v)) return ir_const(g, elem(g, v), n.shape, 0);
  }
  in[0] = a, in[1] = b;
  return intern(g, n, in);
}

int ir_reshape(Graph *g, int x, Shape s) {
  Node n;
  if (shape_size(&s) != shape_size(&N(x)->shape)) {
    char s1[64], s2[64];
    ir_error(g, g->curloc, "cannot reshape %s to %s: sizes differ", shape_str(&N(x)->shape, s1),
             shape_str(&s, s2));
  }
  if (shape_equal(&s, &N(x)->shape)) return x;
  if (N(x)->op == OP_RESHAPE) x = IR_IN(g, x)[0];
  if (shape_equal(&s, &N(x)->shape)) return x;
  if (N(x)->op == OP_CONST) return ir_const(g, N(x)->value, s, 0);
  n = blank(OP_RESHAPE, s, N(x)->batched);
  return intern(g, n, &x);
}

int ir_transpose(Graph *g, int x) {
  Node n;
  Shape s = N(x)->shape;
  if (s.rank != 2) {
    char b[64];
    ir_error(g, g->curloc, "transpose needs a matrix, got shape %s", shape_str(&s, b));
  }
  if (N(x)->op == OP_TRANSPOSE) return IR_IN(g, x)[0];
  s.dim[0] = N(x)->shape.dim[1], s.dim[1] = N(x)->shape.dim[0];
  if (N(x)->op == OP_CONST) return ir_const(g, N(x)->value, s, 0);
  n = blank(OP_TRANSPOSE, s, N(x)->batched);
  return intern(g, n, &x);
}

static void check_axis(Graph *g, int x, int axis, int rank, const char *what) {
  if (axis < 0 || axis >= rank) {
    char b[64];
    ir_error(g, g->curloc, "%s: axis %d out of range for shape %s", what, axis + 1,
             shape_str(&N(x)->shape, b));
  }
}

int ir_sum(Graph *g, int x, int axis) {
  Shape s = N(x)->shape;
  Node n;
  int i;
  check_axis(g, x, axis, s.rank, "sum");
  if (s.dim[axis] == 1) { /* a sum of one term is that term */
    for (i = axis; i < s.rank - 1; i++) s.dim[i] = s.dim[i + 1];
    s.dim[--s.rank] = 0;
    return ir_reshape(g, x, s);
  }
  for (i = axis; i < s.rank - 1; i++) s.dim[i] = s.dim[i + 1];
  s.dim[--s.rank] = 0;
  n = blank(OP_SUM, s, N(x)->batched);
  n.a[0] = axis;
  return intern(g, n, &x);
}

int ir_sum_all(Graph *g, int x) {
  Shape s;
  long sz = shape_size(&N(x)->shape);
  if (N(x)->shape.rank == 0) return x;
  s = scalar_shape();
  s.rank = 1, s.dim[0] = (int)sz;
  return ir_sum(g, ir_reshape(g, x, s), 0);
}

int ir_expand(Graph *g, int x, int axis, int len) {
  Shape s = N(x)->shape;
  Node n;
  int i;
  if (axis < 0 || axis > s.rank || s.rank == IR_MAXRANK) ir_bug(__FILE__, __LINE__, "expand axis");
  for (i = s.rank; i > axis; i--) s.dim[i] = s.dim[i - 1];
  s.dim[axis] = len;
  s.rank++;
  if (len == 1) return ir_reshape(g, x, s);
  if (N(x)->op == OP_CONST) return ir_const(g, N(x)->value, s, 0);
  n = blank(OP_EXPAND, s, N(x)->batched);
  n.a[0] = axis, n.a[1] = len;
  return intern(g, n, &x);
}

int ir_slice(Graph *g, int x, int axis, int start, int len) {
  Shape s = N(x)->shape;
  Node n;
  check_axis(g, x, axis, s.rank, "slice");
  if (start < 0 || len < 1 || start + len > s.dim[axis])
    ir_error(g, g->curloc, "slice %d..%d out of range 1..%d", start + 1, start + len, s.dim[axis]);
  if (start == 0 && len == s.dim[axis]) return x;
  s.dim[axis] = len;
  if (N(x)->op == OP_CONST) return ir_const(g, N(x)->value, s, 0);
  if (N(x)->op == OP_CONCAT && N(x)->a[0] == axis) { /* slice(concat(.., y, ..)) = y */
    int k, off = 0;
    for (k = 0; k < N(x)->nin; k++) {
      int y = IR_IN(g, x)[k];
      if (off == start && N(y)->shape.dim[axis] == len && N(y)->batched == N(x)->batched) return y;
      off += N(y)->shape.dim[axis];
    }
  }
  if (N(x)->op == OP_PAD && N(x)->a[0] == axis && N(x)->a[1] == start &&
      N(IR_IN(g, x)[0])->shape.dim[axis] == len)
    return IR_IN(g, x)[0]; /* slice(pad(x)) = x */
  n = blank(OP_SLICE, s, N(x)->batched);
  n.a[0] = axis, n.a[1] = start, n.a[2] = len;
  return intern(g, n, &x);
}

int ir_pad(Graph *g, int x, int axis, int start, int total) {
  Shape s = N(x)->shape;
  Node n;
  check_axis(g, x, axis, s.rank, "pad");
  IR_ASSERT(start >= 0 && start + s.dim[axis] <= total);
  if (total == s.dim[axis]) return x;
  s.dim[axis] = total;
  n = blank(OP_PAD, s, N(x)->batched);
  n.a[0] = axis, n.a[1] = start, n.a[2] = total;
  return intern(g, n, &x);
}

int ir_concat(Graph *g, const int *xs, int k, int axis) {
  Shape s;
  Node n;
  int i, j, batched = 0, len = 0;
  if (k == 1) return xs[0];
  IR_ASSERT(k > 1);
  s = N(xs[0])->shape;
  check_axis(g, xs[0], axis, s.rank, "concat");
  for (i = 0; i < k; i++) {
    Shape t = N(xs[i])->shape;
    int ok = t.rank == s.rank;
    for (j = 0; ok && j < s.rank; j++) ok = j == axis || t.dim[j] == s.dim[j];
    if (!ok) {
      char s1[64], s2[64];
      ir_error(g, g->curloc, "concat: shapes %s and %s differ outside axis %d",
               shape_str(&s, s1), shape_str(&t, s2), axis + 1);
    }
    len += t.dim[axis];
    batched |= N(xs[i])->batched;
  }
  s.dim[axis] = len;
  n = blank(OP_CONCAT, s, batched);
  n.nin = k;
  n.a[0] = axis;
  return intern(g, n, xs);
}

int ir_bsum(Graph *g, int x) {
  Node n;
  if (!N(x)->batched) return ir_binary(g, OP_MUL, x, ir_nbatch(g)); /* n copies of x */
  n = blank(OP_BSUM, N(x)->shape, 0);
  return intern(g, n, &x);
}

int ir_bcast(Graph *g, int x) {
  Node n;
  if (N(x)->batched) return x;
  n = blank(OP_BCAST, N(x)->shape, 1);
  return intern(g, n, &x);
}

static Shape mm_shape(Graph *g, const char *what, int a, int b, int ta, int tb) {
  Shape sa = N(a)->shape, sb = N(b)->shape, s = scalar_shape();
  int r, ka, kb, m;
  char s1[64], s2[64];
  if (sa.rank != 2 || sb.rank != 2)
    ir_error(g, g->curloc, "%s needs matrices, got %s and %s", what, shape_str(&sa, s1), shape_str(&sb, s2));
  r = sa.dim[ta], ka = sa.dim[!ta], kb = sb.dim[tb], m = sb.dim[!tb];
  if (ka != kb)
    ir_error(g, g->curloc, "%s: inner dimensions differ (%s%s times %s%s)", what, shape_str(&sa, s1),
             ta ? "ᵀ" : "", shape_str(&sb, s2), tb ? "ᵀ" : "");
  s.rank = 2, s.dim[0] = r, s.dim[1] = m;
  return s;
}

int ir_matmul(Graph *g, int a, int b, int ta, int tb) {
  Shape s = mm_shape(g, "matmul", a, b, ta, tb);
  Node n = blank(OP_MATMUL, s, N(a)->batched || N(b)->batched);
  int in[2];
  in[0] = a, in[1] = b;
  n.a[0] = ta, n.a[1] = tb;
  return intern(g, n, in);
}

int ir_bmatmul(Graph *g, int a, int b, int ta, int tb) {
  Shape s = mm_shape(g, "bmatmul", a, b, ta, tb);
  Node n = blank(OP_BMATMUL, s, 0);
  int in[2];
  if (!N(a)->batched || !N(b)->batched) /* sum_s op(A_s) op(B) = op(sum_s A_s) op(B) */
    return ir_matmul(g, N(a)->batched ? ir_bsum(g, a) : a, N(b)->batched ? ir_bsum(g, b) : b, ta, tb);
  in[0] = a, in[1] = b;
  n.a[0] = ta, n.a[1] = tb;
  return intern(g, n, in);
}

/* x = op(A)⁻¹ b: no folding (even A = I would change no bits, but a
 * solve of constants is rare enough not to need it). */
int ir_solve(Graph *g, int a, int b, int ta) {
  Shape sa = N(a)->shape, sb = N(b)->shape;
  Node n;
  int in[2];
  char s1[64], s2[64];
  if (sa.rank == 3) { /* rows of systems: A [r,m,m], b [r,m] */
    if (sa.dim[1] != sa.dim[2])
      ir_error(g, g->curloc, "solve: A must be square matrices [r,m,m], got %s", shape_str(&sa, s1));
    if (sb.rank != 2 || sb.dim[0] != sa.dim[0] || sb.dim[1] != sa.dim[1])
      ir_error(g, g->curloc, "solve: with A %s, b must be [%d,%d], got %s", shape_str(&sa, s1), sa.dim[0], sa.dim[1],
               shape_str(&sb, s2));
  } else if (sa.rank != 2 || sa.dim[0] != sa.dim[1])
    ir_error(g, g->curloc, "solve: A must be a square matrix [m,m] (or rows of them, [r,m,m]), got %s", shape_str(&sa, s1));
  else if ((sb.rank != 1 && sb.rank != 2) || sb.dim[0] != sa.dim[0])
    ir_error(g, g->curloc, "solve: b must be [m] or [m,k] with m = %d (A is %s), got %s", sa.dim[0], shape_str(&sa, s1),
             shape_str(&sb, s2));
  if (sa.dim[sa.rank - 1] > IR_SOLVE_MAX)
    ir_error(g, g->curloc, "solve: A is %s; hnnc solves systems of at most %d unknowns (LU in the generated code)",
             shape_str(&sa, s1), IR_SOLVE_MAX);
  n = blank(OP_SOLVE, sb, N(a)->batched || N(b)->batched);
  in[0] = a, in[1] = b;
  n.a[0] = ta;
  return intern(g, n, in);
}

/* ---- reachability and printing ---- */

int ir_reach(Graph *g, const int *roots, int nroots, char *keep) {
  int i, j, count = 0;
  memset(keep, 0, g->nnode);
  for (i = 0; i < nroots; i++) keep[roots[i]] = 1;
  for (i = g->nnode - 1; i >= 0; i--) {
    if (!keep[i]) continue;
    count++;
    for (j = 0; j < N(i)->nin; j++) keep[IR_IN(g, i)[j]] = 1;
  }
  return count;
}

void ir_attrs(const Graph *g, int id, Text *t) {
  const Node *n = &g->node[id];
  const char *f;
  for (f = ir_op[n->op].attrs; *f; f++) {
    if (*f != '%') { text_put(t, "%c", *f); continue; }
    switch (*++f) {
    case '0': case '1': case '2': text_put(t, "%d", n->a[*f - '0']); break;
    case 't': f++, text_put(t, "%s", n->a[*f - '0'] ? "T" : "N"); break;
    case 'p': text_put(t, "%s", g->param[n->a[0]].name); break;
    case 'v': text_put(t, "%.17g", n->value); break;
    default: ir_bug(__FILE__, __LINE__, "bad attribute format in ops.h");
    }
  }
}

void ir_print(Graph *g, const int *roots, int nroots, void (*put)(void *, const char *), void *ctx) {
  char *keep = xmalloc(g->nnode + 1);
  char buf[64];
  Text t = {0};
  int i, j;
  if (roots) ir_reach(g, roots, nroots, keep);
  else memset(keep, 1, g->nnode);
  for (i = 0; i < g->nnode; i++) {
    Node *n = N(i);
    if (!keep[i]) continue;
    t.n = 0;
    text_put(&t, "%%%d = %s", i, ir_opname[n->op]);
    for (j = 0; j < n->nin; j++) text_put(&t, " %%%d", IR_IN(g, i)[j]);
    ir_attrs(g, i, &t);
    text_put(&t, " : %s%s", shape_str(&n->shape, buf), n->batched ? " batched" : "");
    if (n->loc >= 0) text_put(&t, "  @%.*s", ir_loc_head(g->loc[n->loc]), g->loc[n->loc]);
    text_put(&t, "\n");
    put(ctx, t.s);
  }
  text_free(&t);
  free(keep);
}

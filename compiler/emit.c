/* The C emitter.
 *
 * Output is a function of the graph only: names come from node ids and model
 * names, constants are printed exactly (hex floats), and the file holds no
 * timestamps or paths other than the model path given by the caller.
 *
 * Generated code: standalone C99, no headers, no libm (the elementary
 * functions are pasted in), no allocation, no mutable globals. Each function
 * takes n samples, the parameters theta, its inputs, its outputs and a
 * workspace of NAME_FUNC_WS(n) elements. Loops keep constant bounds; matrix
 * products accumulate every output in a fixed order, so gcc's vectorized
 * code and tcc's scalar code give the same bits.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define N(id) (&g->node[id])

typedef struct E {
  Graph *g;
  Plan *p;
  Text *t;
  const char *T, *suf; /* element type and function suffix */
  int internal;        /* EmitOptions.internal */
  const char **pname;  /* per parameter: its C identifier in the kernels */
  char *use_par, *use_in, *use_out; /* named by the code of the current stage (ptr) */
  struct Block *blocks; /* the current stage's blocks (see parts below) */
  int nblocks, capblocks, attrs; /* attrs: HN_PART and HN_COLD are defined */
  char **strs;         /* strings made by str(), freed at the end */
  int nstrs, capstrs;
} E;

#define PUT(...) text_put(e->t, __VA_ARGS__)

/* Strings that live until emit_model returns: names of any length (a
 * model's input and output names) go through them. */
static const char *keep(E *e, char *s) {
  if (e->nstrs == e->capstrs) {
    e->capstrs = e->capstrs ? 2 * e->capstrs : 64;
    e->strs = xrealloc(e->strs, e->capstrs * sizeof *e->strs);
  }
  return e->strs[e->nstrs++] = s;
}
static const char *str(E *e, const char *fmt, ...) {
  Text t = {0};
  va_list ap;
  va_start(ap, fmt);
  text_vput(&t, fmt, ap);
  va_end(ap);
  return keep(e, t.s);
}

/* An exact literal: decimal when it reads back exactly, else hex. */
static void literal(E *e, double v, char *buf) {
  char dec[64];
  const char *f = e->g->is_float ? "f" : "";
  snprintf(dec, sizeof dec, "%.17g", v);
  if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, 96, "%.1f%s", v, f);
  else if (strlen(dec) <= 8 && strtod(dec, NULL) == v) snprintf(buf, 96, "%s%s", dec, f);
  else snprintf(buf, 96, "%a%s", v, f);
  if (v < 0 || (v == 0 && signbit(v))) { /* parenthesize negatives */
    char tmp[100];
    snprintf(tmp, sizeof tmp, "(%s)", buf);
    strcpy(buf, tmp);
  }
}

static long size_of(Graph *g, int x) { return shape_size(&N(x)->shape); }

/* Base pointer of x's value: for per-sample values, the current chunk's. */
static const char *ptr(E *e, int x) {
  Graph *g = e->g;
  Plan *p = e->p;
  Slot *s;
  long S;
  x = sched_base(p, x);
  s = &p->slot[x];
  S = size_of(g, x);
  switch (s->kind) {
  case ST_INPUT:
    e->use_in[s->index] = 1;
    return str(e, "in_%s + (long)s0 * %ld", p->f->in[s->index].name, S);
  case ST_PARAM: e->use_par[N(x)->a[0]] = 1; return e->pname[N(x)->a[0]];
  case ST_TENSOR: return str(e, "k%d", x);
  case ST_WS: return str(e, "%s + %ld", N(x)->batched ? "wt" : "ws", s->off);
  case ST_FULL: return str(e, "ws + %ld + (long)n * %ld + (long)s0 * %ld", p->ws_shared, s->off, S);
  case ST_OUT:
    e->use_out[s->index] = 1;
    if (N(x)->batched) return str(e, "out_%s + (long)s0 * %ld", p->f->outname[s->index], S);
    return str(e, "out_%s", p->f->outname[s->index]);
  }
  ir_bug(__FILE__, __LINE__, "no storage");
}

/* Where node x comes from, for comments: the user's line, and the
 * library's line and function when the layer library made it:
 * "models/hnn/pendulum.lua:12 (hnnc/nn.lua:60 in net())". A comment never
 * holds a star-slash ("*" "/" becomes "* /"). jit.c reads the user's line
 * back from the last ", " of the comment. */
static const char *where(E *e, int x) {
  const char *l = e->g->loc[e->g->node[x].loc], *note = strchr(l, '\n'), *in, *from, *c;
  Text t = {0};
  text_put(&t, "%.*s", ir_loc_head(l), l);
  if (note && (in = strstr(note, ": note: in ")) && (from = strstr(in, " called from ")))
    text_put(&t, " (%.*s in %.*s)", (int)(in - note - 1), note + 1, (int)(from - in - 11), in + 11);
  for (c = t.s; (c = strstr(c, "*/"));) t.s[c - t.s + 1] = ' ';
  return keep(e, t.s);
}

static void comment(E *e, int x) {
  Graph *g = e->g;
  char sh[64];
  Text a = {0};
  int j;
  PUT("  { /* %%%d = %s", x, ir_opname[N(x)->op]);
  for (j = 0; j < N(x)->nin; j++) PUT(" %%%d", IR_IN(g, x)[j]);
  ir_attrs(g, x, &a);
  if (a.s) PUT("%s", a.s);
  text_free(&a);
  PUT(" : %s%s", shape_str(&N(x)->shape, sh), N(x)->batched ? " per sample" : "");
  if (N(x)->loc >= 0) PUT(", %s", where(e, x));
  PUT(" */\n");
}

/* Declares y (the result) and a, b, ... (operands) for a node's block. */
static void pointers(E *e, int x) {
  Graph *g = e->g;
  int j;
  PUT("    %s *restrict y = %s;\n", e->T, ptr(e, x));
  for (j = 0; j < N(x)->nin; j++) {
    int a = IR_IN(g, x)[j];
    if (e->p->slot[sched_base(e->p, a)].kind == ST_NONE) continue;
    if (N(x)->op != OP_CONCAT && N(x)->nin <= 4) PUT("    const %s *restrict %c = %s;\n", e->T, 'a' + j, ptr(e, a));
  }
}

/* The value of operand j of x at element (s, i) as a C expression. */
static void operand(E *e, int x, int j, int flat, char *out) {
  Graph *g = e->g;
  int a = IR_IN(g, x)[j], b = sched_base(e->p, a);
  long S = size_of(g, a);
  if (e->p->slot[b].kind == ST_NONE) {
    if (N(b)->op == OP_NBATCH) sprintf(out, "(%s)n", e->T);
    else literal(e, N(b)->value, out);
    return;
  }
  if (N(a)->batched && N(x)->batched) {
    if (S == 1) sprintf(out, "%c[%s]", 'a' + j, flat ? "i" : "s");
    else sprintf(out, "%c[%s]", 'a' + j, flat ? "i" : "s * %ld + i");
    if (!flat && S != 1) sprintf(out, "%c[s * %ldL + i]", 'a' + j, S);
  } else
    sprintf(out, S == 1 ? "%c[0]" : "%c[i]", 'a' + j);
}

/* The C expression of elementwise node x with operand expressions a, b:
 * the op table's spelling for the element type. */
static const char *ew_expr(E *e, int x, const char *a, const char *b) {
  const char *f;
  Text t = {0};
  for (f = ir_op[e->g->node[x].op].c[e->g->is_float]; *f; f++) {
    if (*f != '%') text_put(&t, "%c", *f);
    else if (*++f == 'a') text_put(&t, "%s", a);
    else if (*f == 'b') text_put(&t, "%s", b);
    else if (*f == '0') text_put(&t, "%d", e->g->node[x].a[0]);
    else ir_bug(__FILE__, __LINE__, "bad C spelling in ops.h");
  }
  if (!t.s) ir_bug(__FILE__, __LINE__, "an elementwise op without a C spelling in ops.h");
  return keep(e, t.s);
}

static void emit_elementwise(E *e, int x) {
  Graph *g = e->g;
  long S = size_of(g, x);
  int j, flat = 1;
  char a[96], b[96];
  const char *body;
  /* flat over all elements unless a shared tensor meets per-sample ones */
  for (j = 0; j < N(x)->nin; j++) {
    int o = IR_IN(g, x)[j];
    if (N(x)->batched && (!N(o)->batched || size_of(g, o) != S) && e->p->slot[sched_base(e->p, o)].kind != ST_NONE)
      flat = 0;
  }
  if (!N(x)->batched) flat = 1;
  operand(e, x, 0, flat, a);
  if (N(x)->nin > 1) operand(e, x, 1, flat, b);
  body = ew_expr(e, x, a, b);
  if (!N(x)->batched && S == 1) PUT("    y[0] = %s;\n", body); /* operands of one element: [0] */
  else if (!N(x)->batched) PUT("    for (int i = 0; i < %ld; i++) y[i] = %s;\n", S, body);
  else if (flat && S == 1) PUT("    for (long i = 0; i < nc; i++) y[i] = %s;\n", body);
  else if (flat) PUT("    for (long i = 0; i < (long)nc * %ld; i++) y[i] = %s;\n", S, body);
  else if (S == 1) PUT("    for (int s = 0; s < nc; s++) { const int i = 0; y[s] = %s; (void)i; }\n", body);
  else PUT("    for (int s = 0; s < nc; s++)\n      for (int i = 0; i < %ld; i++) y[s * %ldL + i] = %s;\n", S, S, body);
}

/* ---- fused elementwise loops ----
 * A run of per-sample elementwise nodes of the same size becomes one loop:
 * values flow through locals, and a node's buffer is written only when a
 * node outside the run (or an output) reads it. The arithmetic of each
 * element is unchanged, so are the bits. */
static int fusable(E *e, int x, long S) {
  Graph *g = e->g;
  int j, k = ir_opkind[N(x)->op];
  if ((k != KIND_EW1 && k != KIND_EW2) || !N(x)->batched || size_of(g, x) != S) return 0;
  if (e->p->slot[x].kind != ST_WS && e->p->slot[x].kind != ST_OUT) return 0;
  for (j = 0; j < N(x)->nin; j++) {
    int o = sched_base(e->p, IR_IN(g, x)[j]);
    if (e->p->slot[o].kind == ST_NONE) continue;
    if (size_of(g, o) != S && size_of(g, o) != 1) return 0;
    if (N(o)->batched && size_of(g, o) != S) return 0;
  }
  return 1;
}

/* A fused loop reads its operands and writes its stored results element by
 * element, interleaved. The scheduler, which allocates in linear order, may
 * place y over part of an operand released earlier in the run (its last
 * use was before y); when y starts above such an operand, writing y[k]
 * clobbers an element a later iteration still reads. Such a y ends the run.
 * (Starting at or below it is safe: y[k] then lands on an element already
 * read. Operands of the run have y's per-sample layout, indexed by k.) */
static int clobbers(E *e, const int *grp, int n, int y) {
  Graph *g = e->g;
  const Slot *sy = &e->p->slot[y];
  int k, j;
  if (sy->kind != ST_WS) return 0;
  for (k = 0; k < n; k++)
    for (j = 0; j < N(grp[k])->nin; j++) {
      int o = sched_base(e->p, IR_IN(g, grp[k])[j]);
      const Slot *so = &e->p->slot[o];
      long olen = size_of(g, o) * (N(o)->batched ? e->p->chunk : 1);
      if (so->kind != ST_WS || o == y || !N(o)->batched || so->off >= sy->off) continue;
      if (sy->off < so->off + olen) return 1;
    }
  return 0;
}

static int in_group(const int *grp, int n, int x) {
  int k;
  for (k = 0; k < n; k++)
    if (grp[k] == x) return 1;
  return 0;
}

static void fused_operand(E *e, const int *grp, int n, int x, int j, char *out) {
  Graph *g = e->g;
  int o = sched_base(e->p, IR_IN(g, x)[j]);
  if (e->p->slot[o].kind == ST_NONE) {
    if (N(o)->op == OP_NBATCH) sprintf(out, "(%s)n", e->T);
    else literal(e, N(o)->value, out);
  } else if (in_group(grp, n, o)) sprintf(out, "t%d", o);
  else if (N(o)->batched) sprintf(out, "p%d[k]", o);
  else sprintf(out, size_of(g, o) == 1 ? "p%d[0]" : "p%d[i]", o);
}

static void emit_fused(E *e, const int *grp, int n, const int *uses) {
  Graph *g = e->g;
  long S = size_of(g, grp[0]);
  int k, j;
  char a[96], b[96];
  PUT("  { /* fused elementwise:");
  for (k = 0; k < n; k++) PUT(" %%%d", grp[k]);
  PUT(" */\n");
  for (k = 0; k < n; k++) { /* pointers: results that are stored, operands from outside */
    int x = grp[k], inner = 0;
    for (j = 0; j < n; j++) {
      int y = grp[j], m;
      for (m = 0; m < N(y)->nin; m++) inner += sched_base(e->p, IR_IN(g, y)[m]) == x;
    }
    if (uses[x] > inner || e->p->slot[x].kind == ST_OUT) PUT("    %s *y%d = %s;\n", e->T, x, ptr(e, x));
    for (j = 0; j < N(x)->nin; j++) {
      int o = sched_base(e->p, IR_IN(g, x)[j]), m, seen = 0;
      if (e->p->slot[o].kind == ST_NONE || in_group(grp, n, o)) continue;
      for (m = 0; m < k && !seen; m++) { /* declared by an earlier member? */
        int y = grp[m], q;
        for (q = 0; q < N(y)->nin; q++) seen |= sched_base(e->p, IR_IN(g, y)[q]) == o;
      }
      for (m = 0; m < j; m++) seen |= sched_base(e->p, IR_IN(g, x)[m]) == o;
      if (seen) continue;
      PUT("    const %s *p%d = %s;\n", e->T, o, ptr(e, o));
    }
  }
  /* HN_IVDEP (prelude/kernels.c): without it gcc versions these loops for
   * possible aliasing between the workspace's buffers and may take the
   * scalar copy (measured: the float spring HNN's largest elementwise loop
   * ran scalar). No iteration depends on another: a result overwrites only
   * operands already read (see clobbers), in place or below. */
  if (S == 1) PUT("    HN_IVDEP\n    for (long k = 0; k < nc; k++) {\n");
  else PUT("    for (long s = 0; s < nc; s++) {\n    HN_IVDEP\n    for (long i = 0; i < %ld; i++) {\n      const long k = s * %ld + i;\n", S, S);
  for (k = 0; k < n; k++) {
    int x = grp[k], op = N(x)->op, inner = 0;
    const char *body;
    fused_operand(e, grp, n, x, 0, a);
    if (N(x)->nin > 1) fused_operand(e, grp, n, x, 1, b);
    body = ew_expr(e, x, a, b);
    PUT("      const %s t%d = %s; /* %s", e->T, x, body, ir_opname[op]);
    if (N(x)->loc >= 0) PUT(", %s", where(e, x));
    PUT(" */\n");
    for (j = 0; j < n; j++) {
      int y = grp[j], m;
      for (m = 0; m < N(y)->nin; m++) inner += sched_base(e->p, IR_IN(g, y)[m]) == x;
    }
    if (uses[x] > inner || e->p->slot[x].kind == ST_OUT) PUT("      y%d[k] = t%d;\n", x, x);
  }
  PUT(S == 1 ? "    }\n  }\n" : "    }\n    }\n  }\n");
}

/* outer x len x inner view of x's shape around axis */
static void around(const Shape *s, int axis, long *outer, long *len, long *inner) {
  int i;
  *outer = *inner = 1;
  for (i = 0; i < axis; i++) *outer *= s->dim[i];
  *len = s->dim[axis];
  for (i = axis + 1; i < s->rank; i++) *inner *= s->dim[i];
}

/* Per-sample loop around a body that uses y, a, ... offset by the sample. */
static void sample_loop_open(E *e, int x) {
  Graph *g = e->g;
  int j;
  if (!N(x)->batched) return;
  PUT("    for (int s = 0; s < nc; s++) {\n");
  PUT("      %s *restrict ys = y + (long)s * %ld;\n", e->T, size_of(g, x));
  for (j = 0; j < N(x)->nin && j < 4 && N(x)->op != OP_CONCAT; j++) {
    int a = IR_IN(g, x)[j];
    PUT("      const %s *restrict %cs = %c + (long)s * %ld;\n", e->T, 'a' + j, 'a' + j, N(a)->batched ? size_of(g, a) : 0L);
  }
}
static void sample_loop_close(E *e, int x) {
  if (e->g->node[x].batched) PUT("    }\n");
}
/* names inside the body: ys/as when in a sample loop, y/a otherwise */
#define YS (N(x)->batched ? "ys" : "y")
#define AS (N(x)->batched ? "as" : "a")

/* Index arithmetic for the (o, l, k) loop nests of structural ops: loops
 * of extent 1 are left out and their terms dropped. */
typedef struct Nest { long ext[3]; } Nest;
static const char nest_var[3] = {'o', 'l', 'k'};

static int nest_open(E *e, const Nest *n, const char *indent) {
  int v, opened = 0;
  for (v = 0; v < 3; v++)
    if (n->ext[v] > 1) {
      PUT("%s%*sfor (long %c = 0; %c < %ld; %c++)\n", indent, 2 * opened, "", nest_var[v], nest_var[v], n->ext[v], nest_var[v]);
      opened++;
    }
  return opened;
}
/* "o * c0 + l * c1 + k * c2 + base" for the loops present */
static char *nest_index(const Nest *n, long c0, long c1, long c2, long base, char *buf) {
  long co[3];
  int v, k = 0;
  co[0] = c0, co[1] = c1, co[2] = c2;
  buf[0] = 0;
  for (v = 0; v < 3; v++) {
    if (n->ext[v] <= 1 || co[v] == 0) continue;
    if (co[v] == 1) k += sprintf(buf + k, "%s%c", k ? " + " : "", nest_var[v]);
    else k += sprintf(buf + k, "%s%c * %ld", k ? " + " : "", nest_var[v], co[v]);
  }
  if (base || !k) sprintf(buf + k, "%s%ld", k ? " + " : "", base);
  return buf;
}

static void emit_linear(E *e, int x) {
  Graph *g = e->g;
  Node *n = N(x);
  int a = n->nin ? IR_IN(g, x)[0] : -1, depth;
  long o, len, in, olen;
  Nest ns;
  char i1[128], i2[128], ind[32];
  switch (n->op) {
  case OP_CONST: case OP_NBATCH: { /* materialized for a structural user */
    char v[96];
    if (n->op == OP_NBATCH) sprintf(v, "(%s)n", e->T);
    else literal(e, n->value, v);
    if (size_of(g, x) == 1) PUT("    y[0] = %s;\n", v);
    else PUT("    for (int i = 0; i < %ld; i++) y[i] = %s;\n", size_of(g, x), v);
    return;
  }
  case OP_BSUM: /* y += a over the chunk's samples, in sample order */
    if (size_of(g, x) == 1) {
      PUT("    for (int s = 0; s < nc; s++) y[0] += a[s];\n");
      return;
    }
    PUT("    for (int s = 0; s < nc; s++)\n      for (int i = 0; i < %ld; i++) y[i] += a[s * %ldL + i];\n",
        size_of(g, x), size_of(g, x));
    return;
  case OP_BCAST:
    if (size_of(g, x) == 1) {
      PUT("    for (int s = 0; s < nc; s++) y[s] = a[0];\n");
      return;
    }
    PUT("    for (int s = 0; s < nc; s++)\n      for (int i = 0; i < %ld; i++) y[s * %ldL + i] = a[i];\n",
        size_of(g, x), size_of(g, x));
    return;
  case OP_RESHAPE: /* only when copied: same elements */
    if (n->batched) PUT("    for (long i = 0; i < (long)nc * %ld; i++) y[i] = a[i];\n", size_of(g, x));
    else if (size_of(g, x) == 1) PUT("    y[0] = a[0];\n");
    else PUT("    for (int i = 0; i < %ld; i++) y[i] = a[i];\n", size_of(g, x));
    return;
  }
  sample_loop_open(e, x);
  strcpy(ind, n->batched ? "      " : "    ");
  switch (n->op) {
  case OP_TRANSPOSE:
    PUT("%sfor (int i = 0; i < %d; i++)\n%s  for (int j = 0; j < %d; j++) %s[j * %d + i] = %s[i * %d + j];\n", ind,
        N(a)->shape.dim[0], ind, N(a)->shape.dim[1], YS, N(a)->shape.dim[0], AS, N(a)->shape.dim[1]);
    break;
  case OP_SUM: /* y[o, k] = sum over l of a[o, l, k], from 0 in ascending l */
    around(&N(a)->shape, n->a[0], &o, &len, &in);
    ns.ext[0] = o, ns.ext[1] = 1, ns.ext[2] = in;
    depth = nest_open(e, &ns, ind);
    PUT("%s%*s{\n", ind, 2 * depth, "");
    PUT("%s%*s  %s acc = 0;\n", ind, 2 * depth, "", e->T);
    ns.ext[1] = len;
    PUT("%s%*s  for (long l = 0; l < %ld; l++) acc += %s[%s];\n", ind, 2 * depth, "", len, AS,
        nest_index(&ns, len * in, in, 1, 0, i1));
    ns.ext[1] = 1;
    PUT("%s%*s  %s[%s] = acc;\n%s%*s}\n", ind, 2 * depth, "", YS, nest_index(&ns, in, 0, 1, 0, i2), ind, 2 * depth, "");
    break;
  case OP_EXPAND:
    around(&n->shape, n->a[0], &o, &len, &in);
    ns.ext[0] = o, ns.ext[1] = len, ns.ext[2] = in;
    depth = nest_open(e, &ns, ind);
    PUT("%s%*s%s[%s] = %s[%s];\n", ind, 2 * depth, "", YS, nest_index(&ns, len * in, in, 1, 0, i1), AS,
        nest_index(&ns, in, 0, 1, 0, i2));
    break;
  case OP_SLICE:
    around(&N(a)->shape, n->a[0], &o, &olen, &in);
    ns.ext[0] = o, ns.ext[1] = n->a[2], ns.ext[2] = in;
    depth = nest_open(e, &ns, ind);
    PUT("%s%*s%s[%s] = %s[%s];\n", ind, 2 * depth, "", YS, nest_index(&ns, n->a[2] * in, in, 1, 0, i1), AS,
        nest_index(&ns, olen * in, in, 1, n->a[1] * in, i2));
    break;
  case OP_PAD:
    around(&n->shape, n->a[0], &o, &len, &in);
    olen = N(a)->shape.dim[n->a[0]];
    PUT("%sfor (long i = 0; i < %ld; i++) %s[i] = 0;\n", ind, size_of(g, x), YS);
    ns.ext[0] = o, ns.ext[1] = olen, ns.ext[2] = in;
    depth = nest_open(e, &ns, ind);
    PUT("%s%*s%s[%s] = %s[%s];\n", ind, 2 * depth, "", YS, nest_index(&ns, len * in, in, 1, n->a[1] * in, i1), AS,
        nest_index(&ns, olen * in, in, 1, 0, i2));
    break;
  case OP_CONCAT: {
    int j;
    long off = 0;
    around(&n->shape, n->a[0], &o, &len, &in);
    for (j = 0; j < n->nin; j++) {
      int b = IR_IN(g, x)[j], bb = sched_base(e->p, b);
      long blen = N(b)->shape.dim[n->a[0]];
      const char *v;
      ns.ext[0] = o, ns.ext[1] = blen, ns.ext[2] = in;
      if (e->p->slot[bb].kind == ST_NONE) {
        char lit[100];
        if (N(bb)->op == OP_NBATCH) v = str(e, "(%s)n", e->T);
        else literal(e, N(bb)->value, lit), v = str(e, "%s", lit);
      } else if (N(x)->batched && N(b)->batched)
        v = str(e, "(%s)[(long)s * %ld + %s]", ptr(e, b), size_of(g, b), nest_index(&ns, blen * in, in, 1, 0, i2));
      else
        v = str(e, "(%s)[%s]", ptr(e, b), nest_index(&ns, blen * in, in, 1, 0, i2));
      depth = nest_open(e, &ns, ind);
      PUT("%s%*s%s[%s] = %s;\n", ind, 2 * depth, "", YS, nest_index(&ns, len * in, in, 1, off * in, i1), v);
      off += blen;
    }
    break;
  }
  default: ir_bug(__FILE__, __LINE__, "no emitter for op");
  }
  sample_loop_close(e, x);
}

/* Matrix products: the kernels of kernels.c for the three forms the
 * derivatives of a layer produce (NN, NT with a per-sample left operand and
 * a shared right one; TN summed over samples), a plain loop nest for the
 * rest. Every output element is 0 + the sum over the contraction index in
 * ascending order, except the NT form, which keeps 8 partial sums (lane l
 * takes indices = l mod 8) combined as a fixed tree: both orders are written
 * out in the C, so every compiler computes the same bits. */
static void emit_matmul(E *e, int x) {
  Graph *g = e->g;
  Node *n = N(x);
  int A = IR_IN(g, x)[0], B = IR_IN(g, x)[1], ta = n->a[0], tb = n->a[1];
  int ra = N(A)->shape.dim[0], ca = N(A)->shape.dim[1], cb = N(B)->shape.dim[1];
  int r = n->shape.dim[0], m = n->shape.dim[1], K = ta ? ra : ca;
  int bsum = n->op == OP_BMATMUL;
  const char *T = e->T;
  if (!bsum && !ta && N(A)->batched && !N(B)->batched) { /* rows of all samples stacked */
    if (tb && e->p->ntpk[x] >= 0)
      PUT("    hn_mm_ntp((long)n * %d, (long)nc * %d, %d, %d, a, b, ws + %ld, y);\n", r, r, K, m, e->p->ntpk[x]);
    else if (tb) PUT("    hn_mm_nt((long)nc * %d, %d, %d, a, b, y);\n", r, K, m);
    else PUT("    hn_mm_nn((long)nc * %d, %d, %d, a, b, y, wt + %ld);\n", r, K, m, e->p->pack);
    return;
  }
  if (bsum && ta && !tb) { /* y[k, j] += sum over stacked rows of a[row, k] b[row, j] */
    PUT("    hn_mm_tn((long)nc * %d, %d, %d, a, b, y);\n", ra, ca, m);
    return;
  }
  /* generic: per sample (or once), strided operands */
  {
    char ai[64], bi[64];
    sprintf(ai, ta ? "as[(long)p * %d + i]" : "as[(long)i * %d + p]", ca);
    sprintf(bi, tb ? "bs[(long)j * %d + p]" : "bs[(long)p * %d + j]", cb);
    if (n->batched || bsum) {
      PUT("    for (int s = 0; s < nc; s++) {\n");
      PUT("      const %s *restrict as = a + (long)s * %ld, *restrict bs = b + (long)s * %ld;\n", T,
          N(A)->batched ? size_of(g, A) : 0L, N(B)->batched ? size_of(g, B) : 0L);
      PUT("      %s *restrict ys = y + (long)s * %ld;\n", T, bsum ? 0L : size_of(g, x));
    } else
      PUT("    {\n      const %s *restrict as = a, *restrict bs = b;\n      %s *restrict ys = y;\n", T, T);
    PUT("      for (int i = 0; i < %d; i++)\n        for (int j = 0; j < %d; j++) {\n", r, m);
    PUT("          %s acc = 0;\n          for (int p = 0; p < %d; p++) acc += %s * %s;\n", T, K, ai, bi);
    PUT("          ys[(long)i * %d + j] %s acc;\n        }\n    }\n", m, bsum ? "+=" : "=");
  }
}

/* x = op(A)⁻¹ b, per sample or once, for each row of systems: A copied
 * to lu (transposed for op(A) = Aᵀ), b to y; Gaussian elimination with
 * partial pivoting (the first row of largest |entry|, rows swapped in
 * place), then back substitution; every operation in a fixed order, so tcc
 * and gcc agree to the bit. A singular A gives infinities or NaNs. */
static void emit_solve(E *e, int x) {
  Graph *g = e->g;
  int A = IR_IN(g, x)[0], B = IR_IN(g, x)[1], ra = N(A)->shape.rank, m = N(A)->shape.dim[ra - 1], ta = N(x)->a[0];
  long S = size_of(g, x), r = ra == 3 ? N(A)->shape.dim[0] : 1, k = S / (r * m);
  const char *T = e->T;
  if (N(x)->batched) {
    PUT("    for (int s = 0; s < nc; s++) {\n");
    PUT("      const %s *restrict as = a + (long)s * %ld, *restrict bs = b + (long)s * %ld;\n", T,
        N(A)->batched ? size_of(g, A) : 0L, N(B)->batched ? S : 0L);
    PUT("      %s *restrict ys = y + (long)s * %ld;\n", T, S);
  } else
    PUT("    {\n      const %s *restrict as = a, *restrict bs = b;\n      %s *restrict ys = y;\n", T, T);
  PUT("      for (int w = 0; w < %ld; w++) { /* the rows of systems */\n", r);
  PUT("      const %s *restrict ar = as + w * %d, *restrict br = bs + w * %ld;\n", T, m * m, m * k);
  PUT("      %s *restrict yr = ys + w * %ld;\n", T, m * k);
  PUT("      %s lu[%d];\n", T, m * m);
  PUT("      for (int i = 0; i < %d; i++)\n        for (int j = 0; j < %d; j++) lu[i * %d + j] = ar[%s];\n", m, m, m,
      ta ? str(e, "j * %d + i", m) : str(e, "i * %d + j", m));
  PUT("      for (int i = 0; i < %ld; i++) yr[i] = br[i];\n", m * k);
  PUT("      for (int c = 0; c < %d; c++) {\n        int p = c;\n", m);
  PUT("        %s best = lu[c * %d + c] < 0 ? -lu[c * %d + c] : lu[c * %d + c];\n", T, m, m, m);
  PUT("        for (int r = c + 1; r < %d; r++) {\n", m);
  PUT("          %s v = lu[r * %d + c] < 0 ? -lu[r * %d + c] : lu[r * %d + c];\n", T, m, m, m);
  PUT("          if (v > best) best = v, p = r;\n        }\n");
  PUT("        if (p != c) {\n");
  PUT("          for (int j = 0; j < %d; j++) { %s t = lu[c * %d + j]; lu[c * %d + j] = lu[p * %d + j]; lu[p * %d + j] = t; }\n",
      m, T, m, m, m, m);
  PUT("          for (int j = 0; j < %ld; j++) { %s t = yr[c * %ld + j]; yr[c * %ld + j] = yr[p * %ld + j]; yr[p * %ld + j] = t; }\n",
      k, T, k, k, k, k);
  PUT("        }\n        for (int r = c + 1; r < %d; r++) {\n", m);
  PUT("          %s f = lu[r * %d + c] / lu[c * %d + c];\n", T, m, m);
  PUT("          for (int j = c + 1; j < %d; j++) lu[r * %d + j] = lu[r * %d + j] - f * lu[c * %d + j];\n", m, m, m, m);
  PUT("          for (int j = 0; j < %ld; j++) yr[r * %ld + j] = yr[r * %ld + j] - f * yr[c * %ld + j];\n", k, k, k, k);
  PUT("        }\n      }\n");
  PUT("      for (int r = %d; r >= 0; r--)\n        for (int j = 0; j < %ld; j++) {\n", m - 1, k);
  PUT("          %s acc = yr[r * %ld + j];\n", T, k);
  PUT("          for (int q = r + 1; q < %d; q++) acc = acc - lu[r * %d + q] * yr[q * %ld + j];\n", m, m, k);
  PUT("          yr[r * %ld + j] = acc / lu[r * %d + r];\n        }\n      }\n    }\n", k, m);
}

static void emit_node(E *e, int x) {
  Graph *g = e->g;
  int op = N(x)->op;
  Slot *s = &e->p->slot[x];
  if (s->kind == ST_NONE || s->kind == ST_VIEW || s->kind == ST_INPUT || s->kind == ST_PARAM || s->kind == ST_TENSOR)
    return;
  comment(e, x);
  pointers(e, x);
  switch (ir_opkind[op]) {
  case KIND_EW1: case KIND_EW2: emit_elementwise(e, x); break;
  case KIND_MM: emit_matmul(e, x); break;
  case KIND_SOLVE: emit_solve(e, x); break;
  default: emit_linear(e, x);
  }
  PUT("  }\n");
}

/* Copies output k's value where its node could not write directly. */
static void emit_outcopy(E *e, int k) {
  Graph *g = e->g;
  Func *f = e->p->f;
  int x = f->out[k], b = sched_base(e->p, x);
  long S = size_of(g, x);
  char v[96];
  e->use_out[k] = 1;
  PUT("  { /* output %s = %%%d */\n", f->outname[k], x);
  if (e->p->slot[b].kind == ST_NONE) {
    if (N(b)->op == OP_NBATCH) sprintf(v, "(%s)n", e->T);
    else literal(e, N(b)->value, v);
    if (S == 1) PUT("    out_%s[0] = %s;\n", f->outname[k], v);
    else PUT("    for (int i = 0; i < %ld; i++) out_%s[i] = %s;\n", S, f->outname[k], v);
  } else {
    const char *src = ptr(e, x);
    if (N(x)->batched) {
      PUT("    const %s *restrict a = %s;\n", e->T, src);
      PUT("    for (long i = 0; i < (long)nc * %ld; i++) out_%s[(long)s0 * %ld + i] = a[i];\n", S, f->outname[k], S);
    } else {
      PUT("    const %s *restrict a = %s;\n", e->T, src);
      if (S == 1) PUT("    out_%s[0] = a[0];\n", f->outname[k]);
      else PUT("    for (int i = 0; i < %ld; i++) out_%s[i] = a[i];\n", S, f->outname[k]);
    }
  }
  PUT("  }\n");
}

static void signature(E *e, Text *t, const char *model, Func *f) {
  int i;
  text_put(t, "void %s_%s(int n, const %s *theta", model, f->name, e->T);
  for (i = 0; i < f->nin; i++) text_put(t, ", const %s *in_%s", e->T, f->in[i].name);
  for (i = 0; i < f->nout; i++) text_put(t, ", %s *out_%s", e->T, f->outname[i]);
  text_put(t, ", %s *ws)", e->T);
}

/* The same function with inputs and outputs as arrays of pointers: one
 * signature for every function, for runtimes that call them generically. */
static void entry(E *e, Text *t, const char *model, Func *f) {
  (void)f;
  text_put(t, "void %s_%s_v(int n, const %s *theta, const %s *const *in, %s *const *out, %s *ws)", model, f->name, e->T,
           e->T, e->T, e->T);
}

/* ---- parts ----
 * gcc's optimizer is superlinear in the size of a function: a flow's
 * Jacobian (2n backward passes unrolled, 800 blocks in one chunk loop)
 * took gcc -O3 48 s as one function and 8 s as parts of 40 blocks. A
 * stage of more than PART_BLOCKS blocks is therefore emitted as static
 * functions of at most PART_BLOCKS blocks each, NAME_FUNC_phaseQ_partK,
 * with the stage's own arguments, called in order by the stage; gcc and
 * clang must not inline them back. The same statements in the same order:
 * the same bits. Smaller stages stay whole (every shipped HNN). */
enum { PART_BLOCKS = 40 };

/* A block of a stage's code: where its text ends, and the parameters,
 * inputs and outputs it names. */
typedef struct Block { long end; char *par, *in, *out; } Block;

static void block_end(E *e) {
  Func *f = e->p->f;
  Block *b;
  long end = (long)e->t->n;
  if (e->nblocks && e->blocks[e->nblocks - 1].end == end) return; /* no code */
  if (e->nblocks == e->capblocks) {
    e->capblocks = e->capblocks ? 2 * e->capblocks : 64;
    e->blocks = xrealloc(e->blocks, e->capblocks * sizeof *e->blocks);
  }
  b = &e->blocks[e->nblocks++];
  b->end = end;
  b->par = memcpy(xmalloc(e->g->nparam + 1), e->use_par, e->g->nparam + 1);
  b->in = memcpy(xmalloc(f->nin + 1), e->use_in, f->nin + 1);
  b->out = memcpy(xmalloc(f->nout + 1), e->use_out, f->nout + 1);
  memset(e->use_par, 0, e->g->nparam + 1), memset(e->use_in, 0, f->nin + 1), memset(e->use_out, 0, f->nout + 1);
}

/* The use flags of blocks [b0, b1) into e->use_*; frees the blocks'. */
static void blocks_use(E *e, int b0, int b1) {
  Func *f = e->p->f;
  int b, i;
  for (b = b0; b < b1; b++) {
    for (i = 0; i < e->g->nparam; i++) e->use_par[i] |= e->blocks[b].par[i];
    for (i = 0; i < f->nin; i++) e->use_in[i] |= e->blocks[b].in[i];
    for (i = 0; i < f->nout; i++) e->use_out[i] |= e->blocks[b].out[i];
    free(e->blocks[b].par), free(e->blocks[b].in), free(e->blocks[b].out);
  }
}

/* The attributes of parts and of cold functions (hn.fn{..., cold = true}:
 * compiled for size; gcc then skips the vectorizer, which is most of its
 * time on a flow's Jacobians), once per file, before their first use. */
static void attributes(E *e) {
  if (e->attrs++) return;
  PUT("/* parts of long stages stay parts (gcc's optimizer is superlinear in a\n"
      " * function's size); cold functions (diagnostics) are compiled for size */\n"
      "#if defined(__GNUC__) && !defined(__TINYC__)\n#define HN_PART __attribute__((noinline))\n"
      "#define HN_COLD __attribute__((cold))\n#else\n#define HN_PART\n#define HN_COLD\n#endif\n\n");
}

/* The chunk's sums over samples whose operands are made by position k of
 * the emission order (and not before), each under "if (sums)": a chunk run
 * in turn (the function itself, on one thread) adds its terms while they
 * are still in cache. The plan keeps every sum's operands to the end of
 * the chunk, so they hold the same values here as in _sums: the same
 * additions in the same order, the same bits. */
static void inline_sums(E *e, int q, int k, const int *pos) {
  Graph *g = e->g;
  Plan *p = e->p;
  int r, j;
  for (r = 0; r < p->norder; r++) {
    int x = p->order[r], ready = -1;
    if (p->phase[x] != q || !sched_is_reduction(N(x)->op)) continue;
    for (j = 0; j < N(x)->nin; j++) {
      int b = sched_base(p, IR_IN(g, x)[j]);
      if (p->phase[b] == q && pos[b] > ready) ready = pos[b];
    }
    if (ready != k) continue;
    PUT("  if (sums)\n");
    emit_node(e, x);
    block_end(e);
  }
}

/* The code of the nodes of phase q (part 1: only the chunk's sums over
 * samples; part 0: the rest, and in an odd phase the sums again, each
 * after its operands, run when the caller passes sums = 1), into e->t. A
 * chunk's per-sample work fuses runs of elementwise nodes into one loop. */
static void stage_nodes(E *e, int q, int part, const int *uses, int *group) {
  Graph *g = e->g;
  Plan *p = e->p;
  int k, m, i, *pos = NULL;
  if (q % 2 && !part) {
    pos = xmalloc(g->nnode * sizeof *pos);
    for (k = 0; k < g->nnode; k++) pos[k] = -1;
    for (k = 0; k < p->norder; k++) pos[p->order[k]] = k;
    inline_sums(e, q, -1, pos);
  }
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k], n = 0;
    if (p->phase[x] != q || !sched_is_reduction(N(x)->op) != !part) continue;
    if (q % 2 && fusable(e, x, size_of(g, x))) { /* the longest run of fusable nodes */
      for (m = k; m < p->norder && p->phase[p->order[m]] == q; m++) {
        int y = p->order[m];
        if (p->slot[y].kind == ST_VIEW || p->slot[y].kind == ST_NONE) continue; /* no code */
        if (!fusable(e, y, size_of(g, x)) || clobbers(e, group, n, y)) break;
        group[n++] = y;
      }
      if (n >= 2) {
        emit_fused(e, group, n, uses);
        block_end(e);
        for (i = k; i < m; i++)
          if (pos) inline_sums(e, q, i, pos);
        k = m - 1; /* views inside the run emit nothing */
        continue;
      }
    }
    emit_node(e, x);
    block_end(e);
    if (pos) inline_sums(e, q, k, pos);
  }
  free(pos);
  if (part) return;
  for (i = 0; i < p->f->nout; i++) { /* per-sample outputs the nodes could not write */
    int b = sched_base(p, p->f->out[i]);
    if (q % 2 && p->outcopy[i] && N(p->f->out[i])->batched && p->phase[b] == q) emit_outcopy(e, i), block_end(e);
  }
  if (q % 2) return;
  for (k = 0; k < p->norder; k++) { /* the panels of the next phase's products by shared matrices */
    int x = p->order[k], r;
    if (p->phase[x] != q + 1 || !sched_ntpk_first(p, x)) continue;
    r = N(x)->shape.dim[0];
    PUT("  hn_nt_pack((long)n * %d, %d, %d, %s, ws + %ld);\n", r, N(IR_IN(g, x)[0])->shape.dim[1], N(x)->shape.dim[1],
        ptr(e, IR_IN(g, x)[1]), p->ntpk[x]);
  }
  for (k = 0; k < p->norder; k++) { /* the sums of the next phase start at 0 */
    int x = p->order[k];
    if (p->phase[x] != q + 1 || !sched_is_reduction(N(x)->op)) continue;
    if (size_of(g, x) == 1) PUT("  (%s)[0] = 0;\n", ptr(e, x));
    else PUT("  for (int i = 0; i < %ld; i++) (%s)[i] = 0;\n", size_of(g, x), ptr(e, x));
  }
  if (q == sched_phases(p) - 1)
    for (i = 0; i < p->f->nout; i++)
      if (p->outcopy[i] && !N(p->f->out[i])->batched) emit_outcopy(e, i);
}

/* The head of a stage's function (or of a part, suffix "_partK"): the
 * parameters, inputs and outputs its code names (e->use_*), nc. */
static void stage_head(E *e, const char *model, int q, int part, const char *suffix) {
  Graph *g = e->g;
  Func *f = e->p->f;
  const char *T = e->T;
  int i;
  if (f->cold) attributes(e), PUT("HN_COLD ");
  if (*suffix) attributes(e), PUT("HN_PART ");
  PUT("static void %s_%s_%s%d%s(int n, int s0, const %s *theta, const %s *const *in, %s *const *out, %s *ws, %s *wt, int sums)\n{\n",
      model, f->name, part ? "sums" : "phase", q, suffix, T, T, T, T, T);
  for (i = 0; i < g->nparam; i++) { /* the parameters it reads, by name */
    char sh[64];
    if (e->use_par[i])
      PUT("  const %s *%s = theta + %ld; /* %s */\n", T, e->pname[i], g->param[i].offset, shape_str(&g->param[i].shape, sh));
  }
  for (i = 0; i < f->nin; i++)
    if (e->use_in[i]) PUT("  const %s *in_%s = in[%d];\n", T, f->in[i].name, i);
  for (i = 0; i < f->nout; i++)
    if (e->use_out[i]) PUT("  %s *out_%s = out[%d];\n", T, f->outname[i], i);
  if (q % 2) PUT("  const int nc = n - s0 < %d ? n - s0 : %d;\n", e->p->chunk, e->p->chunk);
  PUT("  (void)n; (void)s0; (void)theta; (void)in; (void)out; (void)ws; (void)wt; (void)sums;%s\n", q % 2 ? " (void)nc;" : "");
  memset(e->use_par, 0, g->nparam + 1), memset(e->use_in, 0, f->nin + 1), memset(e->use_out, 0, f->nout + 1);
}

/* One stage as a static function NAME_FUNC_phaseQ (or _sumsQ): the
 * parameters, inputs and outputs its code names, then the code, or the
 * calls of its parts. 0 when the stage has no code (no function). */
static int emit_stage(E *e, const char *model, int q, int part, const int *uses, int *group) {
  Graph *g = e->g;
  Func *f = e->p->f;
  Text *save = e->t, body = {0}, calls = {0};
  int b, k;
  memset(e->use_par, 0, g->nparam + 1), memset(e->use_in, 0, f->nin + 1), memset(e->use_out, 0, f->nout + 1);
  e->t = &body, e->nblocks = 0;
  stage_nodes(e, q, part, uses, group);
  block_end(e); /* code after the last block */
  e->t = save;
  if (!body.s) {
    blocks_use(e, 0, e->nblocks); /* frees the empty block's flags */
    return 0;
  }
  if (q % 2 == 0) PUT("/* %s, phase %d: shared values */\n", f->name, q);
  else if (!part) PUT("/* %s, phase %d: per sample, the chunk of samples s0 .. s0 + nc - 1 */\n", f->name, q);
  else PUT("/* %s, phase %d: the chunk's terms of the sums over samples (chunks in ascending order) */\n", f->name, q);
  if (e->nblocks <= PART_BLOCKS) {
    blocks_use(e, 0, e->nblocks);
    stage_head(e, model, q, part, "");
    PUT("%s}\n\n", body.s);
  } else {
    for (b = 0, k = 0; b < e->nblocks; b += PART_BLOCKS, k++) {
      int b1 = b + PART_BLOCKS < e->nblocks ? b + PART_BLOCKS : e->nblocks;
      long from = b ? e->blocks[b - 1].end : 0;
      char suffix[32];
      sprintf(suffix, "_part%d", k);
      blocks_use(e, b, b1);
      stage_head(e, model, q, part, suffix);
      PUT("%.*s}\n\n", (int)(e->blocks[b1 - 1].end - from), body.s + from);
      text_put(&calls, "  %s_%s_%s%d%s(n, s0, theta, in, out, ws, wt, sums);\n", model, f->name, part ? "sums" : "phase", q, suffix);
    }
    stage_head(e, model, q, part, "");
    PUT("%s}\n\n", calls.s);
  }
  text_free(&body), text_free(&calls);
  return 1;
}

static void stage_signature(E *e, Text *t, const char *model, Func *f, const char *what) {
  const char *T = e->T;
  text_put(t, "void %s_%s_%s(int phase, int n, int s0, const %s *theta, const %s *const *in, %s *const *out, %s *ws, %s *wt)",
           model, f->name, what, T, T, T, T, T);
}

/* A function: its stages, the function itself (the stages in order on one
 * thread), and NAME_FUNC_phase and NAME_FUNC_sums, which run one stage
 * each for callers with threads (the protocol is at the top of the header). */
static void emit_function(E *e, const char *model) {
  Graph *g = e->g;
  Plan *p = e->p;
  Func *f = p->f;
  int k, q, i, part, P = sched_phases(p), *has = xmalloc(2 * P * sizeof *has);
  int *uses = xmalloc(g->nnode * sizeof *uses), *group = xmalloc((p->norder + 1) * sizeof *group);
  memset(uses, 0, g->nnode * sizeof *uses);
  for (k = 0; k < p->norder; k++) /* readers of each stored value */
    for (i = 0; i < N(p->order[k])->nin; i++) uses[sched_base(p, IR_IN(g, p->order[k])[i])]++;
  for (i = 0; i < f->nout; i++) uses[sched_base(p, f->out[i])]++;
  for (q = 0; q < P; q++)
    for (part = 0; part < 2; part++) has[2 * q + part] = (part == 0 || q % 2) && emit_stage(e, model, q, part, uses, group);
  if (f->cold) PUT("HN_COLD ");
  if (e->internal) PUT("static ");
  signature(e, e->t, model, f);
  PUT("\n{\n");
  if (f->nin) {
    PUT("  const %s *in[%d] = {", e->T, f->nin);
    for (i = 0; i < f->nin; i++) PUT("%sin_%s", i ? ", " : "", f->in[i].name);
    PUT("};\n");
  } else
    PUT("  const %s *const *in = 0;\n", e->T);
  PUT("  %s *out[%d] = {", e->T, f->nout);
  for (i = 0; i < f->nout; i++) PUT("%sout_%s", i ? ", " : "", f->outname[i]);
  PUT("};\n");
  PUT("  %s *wt = ws + %ldL + %ldL * (long)n; /* the thread's workspace */\n", e->T, p->ws_shared, p->ws_full);
  PUT("  (void)in; (void)out; (void)wt;\n");
  for (q = 0; q < P; q++) {
    if (q % 2 == 0) {
      if (has[2 * q]) PUT("  %s_%s_phase%d(n, 0, theta, in, out, ws, wt, 0);\n", model, f->name, q);
      continue;
    }
    if (!has[2 * q] && !has[2 * q + 1]) continue;
    PUT("  for (int s0 = 0; s0 < n; s0 += %d) {\n", p->chunk);
    if (has[2 * q]) /* on one thread, the chunks in turn: the sums inside the phase */
      PUT("    %s_%s_phase%d(n, s0, theta, in, out, ws, wt, 1);\n", model, f->name, q);
    else
      PUT("    %s_%s_sums%d(n, s0, theta, in, out, ws, wt, 0);\n", model, f->name, q);
    PUT("  }\n");
  }
  PUT("}\n\n");
  for (part = 0; part < 2 && !e->internal; part++) {
    stage_signature(e, e->t, model, f, part ? "sums" : "phase");
    PUT("\n{\n  (void)n; (void)s0; (void)theta; (void)in; (void)out; (void)ws; (void)wt;\n  switch (phase) {\n");
    for (q = 0; q < P; q++)
      if (has[2 * q + part])
        PUT("  case %d: %s_%s_%s%d(n, s0, theta, in, out, ws, wt, 0); break;\n", q, model, f->name, part ? "sums" : "phase", q);
    PUT("  }\n}\n\n");
  }
  free(uses), free(group), free(has);
}

static void prelude(E *e) {
  const char *T = e->T, *f = e->suf;
  PUT("/* exact helpers: powers by repeated multiplication, abs, sign, relu, step */\n");
  PUT("static inline %s hn_powi%s(%s x, int k) {\n", T, f, T);
  PUT("  %s r = x;\n  int i, m = k < 0 ? -k : k;\n  for (i = 1; i < m; i++) r = r * x;\n", T);
  PUT("  return k < 0 ? (%s)1 / r : r;\n}\n", T);
  PUT("static inline %s hn_abs%s(%s x) { return x < 0 ? -x : x == 0 ? (%s)0 : x; }\n", T, f, T, T);
  PUT("static inline %s hn_sign%s(%s x) { return x > 0 ? (%s)1 : x < 0 ? (%s)-1 : x == x ? (%s)0 : x; }\n", T, f, T, T, T, T);
  PUT("static inline %s hn_relu%s(%s x) { return x > 0 ? x : x == x ? (%s)0 : x; }\n", T, f, T, T);
  PUT("static inline %s hn_step%s(%s x) { return x > 0 ? (%s)1 : x == x ? (%s)0 : x; }\n\n", T, f, T, T, T);
}

static const char *upper(E *e, const char *s) {
  char *u = (char *)str(e, "%s", s), *c;
  for (c = u; *c; c++) *c = (*c >= 'a' && *c <= 'z') ? *c - 32 : *c;
  return u;
}

static void header(E *e, const EmitOptions *o, Plan *plans, Text *h) {
  Graph *g = e->g;
  const char *M = upper(e, g->name), *F;
  char sh[64];
  int i, j;
  text_put(h, "/* %s.h: generated by hnnc from %s. Do not edit.\n *\n", g->name, o->source);
  text_put(h, " * Every function takes n samples, the parameters theta (%s_NPARAMS\n", M);
  text_put(h, " * elements, layout below), its inputs and outputs (per-sample ones hold n\n");
  text_put(h, " * rows, row-major; shared ones one value for the whole call), and a\n");
  text_put(h, " * workspace of NAME_WS(n) elements. Outputs must not overlap the inputs.\n");
  text_put(h, " * The code allocates nothing and has no mutable globals: calls on\n");
  text_put(h, " * different workspaces may run in parallel.\n *\n");
  text_put(h, " * Threads. NAME(n, ...) runs phases 0 .. NAME_PHASES - 1: an even phase\n");
  text_put(h, " * once, NAME_phase(p, n, 0, ...); an odd one for every chunk of samples\n");
  text_put(h, " * s0 = 0, %s_CHUNK, ... < n, NAME_phase(p, n, s0, ...) then\n", upper(e, g->name));
  text_put(h, " * NAME_sums(p, n, s0, ...) (its terms of the sums over samples). The chunks\n");
  text_put(h, " * of a phase may run on several threads, each with its own workspace wt\n");
  text_put(h, " * (NAME_WS_THREAD elements) and one shared ws (NAME_WS_SHARED(n)), provided\n");
  text_put(h, " * a chunk's _sums follows its _phase on the same wt, the _sums of a phase\n");
  text_put(h, " * run one at a time in ascending s0, and a phase starts when the one\n");
  text_put(h, " * before it has finished: the results then have the bits of NAME(n, ...)\n");
  text_put(h, " * for any number of threads. in and out list the inputs and outputs. */\n");
  text_put(h, "#ifndef %s_H\n#define %s_H\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", M, M);
  text_put(h, "typedef %s %s_real;\n\n", e->T, g->name);
  text_put(h, "#define %s_NPARAMS %ld\n", M, g->nparams_total);
  text_put(h, "#define %s_CHUNK %d\n", M, g->nfunc ? plans[0].chunk : 32);
  text_put(h, "/* parameters: name, shape, offset in theta, initializer */\n");
  for (i = 0; i < g->nparam; i++)
    text_put(h, "/*   %-16s %-12s %8ld  %s */\n", g->param[i].name, shape_str(&g->param[i].shape, sh), g->param[i].offset,
             g->param[i].init);
  text_put(h, "\n");
  for (i = 0; i < g->nfunc; i++) {
    Func *f = &g->func[i];
    Plan *p = &plans[i];
    F = upper(e, f->name);
    text_put(h, "/* %s: ", f->name);
    for (j = 0; j < f->nin; j++)
      text_put(h, "%s%s %s", j ? ", " : "", f->in[j].name, shape_str(&f->in[j].shape, sh));
    text_put(h, " per sample -> ");
    for (j = 0; j < f->nout; j++)
      text_put(h, "%s%s %s%s", j ? ", " : "", f->outname[j], shape_str(&g->node[f->out[j]].shape, sh),
               g->node[f->out[j]].batched ? " per sample" : " shared");
    text_put(h, " */\n");
    text_put(h, "#define %s_%s_WS(n) (%ldL + %ldL * (long)(n))\n", M, F, p->ws_fixed, p->ws_full);
    signature(e, h, g->name, f);
    text_put(h, ";\n");
    entry(e, h, g->name, f);
    text_put(h, ";\n");
    text_put(h, "#define %s_%s_PHASES %d\n", M, F, sched_phases(p));
    text_put(h, "#define %s_%s_WS_SHARED(n) (%ldL + %ldL * (long)(n))\n", M, F, p->ws_shared, p->ws_full);
    text_put(h, "#define %s_%s_WS_THREAD %ldL\n", M, F, p->ws_thread);
    stage_signature(e, h, g->name, f, "phase");
    text_put(h, ";\n");
    stage_signature(e, h, g->name, f, "sums");
    text_put(h, ";\n\n");
  }
  text_put(h, "#ifdef __cplusplus\n}\n#endif\n#endif\n");
}

/* C identifiers of the parameters: their names made identifiers, unique,
 * and clear of every name the kernels use themselves. */
static int taken(E *e, const char *s, int upto) {
  static const char *const used[] = {"n", "theta", "ws", "wt", "in", "out", "phase", "s0", "nc", "acc", "ys", "as", "bs", "hn_real",
                                     "auto", "break", "case", "char", "const", "continue", "default", "do",
                                     "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline",
                                     "int", "long", "register", "restrict", "return", "short", "signed",
                                     "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned",
                                     "void", "volatile", "while", NULL};
  int i;
  if (!s[1] || !strncmp(s, "hn_", 3) || !strncmp(s, "HN_", 3) || !strncmp(s, "in_", 3) || !strncmp(s, "out_", 4))
    return 1;
  if (strchr("ytpk", s[0]) && strspn(s + 1, "0123456789") == strlen(s + 1)) return 1; /* y7 t7 p7 k7 */
  for (i = 0; used[i]; i++)
    if (!strcmp(s, used[i])) return 1;
  for (i = 0; i < upto; i++)
    if (!strcmp(s, e->pname[i])) return 1;
  return 0;
}
static void name_params(E *e) {
  int i;
  e->pname = xmalloc((e->g->nparam + 1) * sizeof *e->pname);
  for (i = 0; i < e->g->nparam; i++) {
    char *id = ir_c_ident(e->g->param[i].name);
    while (taken(e, id, i)) {
      char *longer = text_fmt("%s_", id);
      free(id);
      id = longer;
    }
    e->pname[i] = keep(e, id);
  }
}

void emit_model(Graph *g, const EmitOptions *o, Plan *plans, Text *c, Text *h) {
  E e;
  int i, x;
  memset(&e, 0, sizeof e);
  e.g = g;
  e.t = c;
  e.T = g->is_float ? "float" : "double";
  e.suf = g->is_float ? "f" : "";
  e.internal = o->internal;
  name_params(&e);
  for (i = 0, x = 1; i < g->nfunc; i++) x = x > g->func[i].nin + g->func[i].nout ? x : g->func[i].nin + g->func[i].nout;
  e.use_par = xmalloc(g->nparam + 1), e.use_in = xmalloc(x + 1), e.use_out = xmalloc(x + 1);
  text_put(c, "/* %s.c: generated by hnnc from %s. Do not edit.\n", g->name, o->source);
  text_put(c, " * Standalone C99: no headers, no libm, no allocation, no mutable globals.\n");
  text_put(c, " * Compile without -ffast-math and with -ffp-contract=off (or -std=c99). */\n\n");
  text_put(c, "#ifdef __clang__ /* the library functions a model does not call */\n"
              "#pragma clang diagnostic ignored \"-Wunused-function\"\n#endif\n\n");
  text_put(c, "%s\n", hnnc_elemfn);
  e.t = c;
  prelude(&e);
  text_put(c, "typedef %s hn_real;\n#define HN_VW %d\n", e.T, g->is_float ? 8 : 4);
  if (g->fma) /* the products by fused multiply-adds: other bits, the same on every compiler */
    text_put(c, "#define HN_FMA 1\n");
  text_put(c, "%s\n", hnnc_kernels);
  /* constant tensors, shared by all functions */
  for (x = 0; x < g->nnode; x++) {
    long k, sz;
    int used = 0;
    if (g->node[x].op != OP_TENSOR) continue;
    for (i = 0; i < g->nfunc; i++) used |= plans[i].keep[x];
    if (!used) continue;
    sz = shape_size(&g->node[x].shape);
    text_put(c, "static const %s k%d[%ld] = {", e.T, x, sz);
    for (k = 0; k < sz; k++) {
      char lit[100];
      literal(&e, g->cdata[g->node[x].data + k], lit);
      text_put(c, "%s%s", k ? ", " : "", lit);
    }
    text_put(c, "};\n");
  }
  text_put(c, "\n");
  for (i = 0; i < g->nfunc; i++) {
    e.p = &plans[i];
    text_put(c, "/* ---- %s ---- */\n", g->func[i].name);
    emit_function(&e, g->name);
    if (e.internal) continue;
    entry(&e, c, g->name, &g->func[i]);
    text_put(c, "\n{\n  %s_%s(n, theta", g->name, g->func[i].name);
    for (x = 0; x < g->func[i].nin; x++) text_put(c, ", in[%d]", x);
    for (x = 0; x < g->func[i].nout; x++) text_put(c, ", out[%d]", x);
    text_put(c, ", ws);\n}\n\n");
  }
  e.t = h;
  header(&e, o, plans, h);
  for (i = 0; i < e.nstrs; i++) free(e.strs[i]);
  free(e.strs);
  free(e.pname), free(e.use_par), free(e.use_in), free(e.use_out), free(e.blocks);
}

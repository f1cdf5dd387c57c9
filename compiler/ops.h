/* The op table: one row per primitive, with every property of the op as a
 * column. Each consumer expands the rows it needs (#define OP(...) before
 * #include "ops.h"): the enum and the property arrays (ir.c), the printer
 * (attribute formats), the elementwise emission (C spellings), the
 * derivative of elementwise ops (autodiff.c), the FLOP count (flops.c), the
 * Lua bindings of the unary functions (bind.c) and the derivative checks
 * (tests/test_ad.c). What stays code, per op, next to its kind: shape
 * checks and exact folding (ir.c), the derivative rules of structural ops
 * and products (autodiff.c), structural emission (emit.c).
 *
 * OP(NAME, nin, kind, name, flags, attrs, c, cf, flops, deriv, domain)
 *   nin    number of operands, -1 for variadic (concat)
 *   kind   LEAF  no operands; value comes from the caller or the graph
 *          EW1   elementwise unary, y = f(x)
 *          EW2   elementwise binary with scalar and batch broadcasting
 *          LIN   linear structural op (reshape, slice, sums, ...)
 *          MM    matrix products
 *          SOLVE linear systems (LU with partial pivoting)
 *   name   the printed name; for OPF_LUA ops also the Lua function hn.NAME
 *   flags  OPF_LUA     a unary function of the model language (hn.NAME)
 *          OPF_VIEW    the result is the operand's storage (no code)
 *          OPF_REDUCE  a sum over the samples: accumulates in the chunk loop
 *          OPF_INLINE  a scalar the emitted code spells inline (const, n)
 *          OPF_CALL    an elementary-function call (not counted as FLOPs)
 *   attrs  how the printer shows the attributes: %0 %1 %2 the integers
 *          a[0..2], %t0 %t1 "N" or "T" by a[0], a[1], %p the parameter's
 *          name, %v the value (%.17g), %i the input number
 *   c, cf  elementwise ops: the C expression for double and for float, of
 *          the operands %a, %b and the integer attribute %0; the functions
 *          are hnnc's own (prelude/elemfn.c, or emit.c's exact helpers)
 *   flops  elementwise ops: FLOPs per element
 *   deriv  elementwise unary ops: f'(x) as an expression in x (the operand)
 *          and y (the result), numbers, + - * / and the unary ops of this
 *          table by name; "0" for a zero derivative; "" for none (powi's
 *          is code)
 *   domain unary ops: where tests/test_ad.c checks the derivatives:
 *          "R" anywhere, "+" at positive arguments
 *
 * Adding an elementwise unary op takes this row, its elementary function in
 * prelude/elemfn.c if it is new (double and float), and that function's
 * accuracy test (tests/test_elemfn.c) if it is new.
 *
 * Shapes are per sample. A node is either batched (one value per sample, the
 * leading dimension n is implicit) or shared (one value for the whole call:
 * parameters, constants, and sums over the batch).
 */
/*  NAME       nin kind  name        flags                attrs              c                  cf                  flops deriv                 domain */
OP(INPUT,     0,  LEAF, "input",    0,                   " #%0",                    "",                "",                 0,    "",                   "")
OP(PARAM,     0,  LEAF, "param",    0,                   " %p",             "",                "",                 0,    "",                   "")
OP(CONST,     0,  LEAF, "const",    OPF_INLINE,          " %v",             "",                "",                 0,    "",                   "")
OP(TENSOR,    0,  LEAF, "tensor",   0,                   "",                "",                "",                 0,    "",                   "")
OP(NBATCH,    0,  LEAF, "nbatch",   OPF_INLINE,          "",                "",                "",                 0,    "",                   "")

OP(NEG,       1,  EW1,  "neg",      0,                   "",                "-%a",             "-%a",              0,    "-1",                 "R")
OP(SQUARE,    1,  EW1,  "square",   OPF_LUA,             "",                "%a * %a",         "%a * %a",          1,    "2 * x",              "R")
OP(POWI,      1,  EW1,  "powi",     0,                   " %0",             "hn_powi(%a, %0)", "hn_powif(%a, %0)", 0,    "",                   "R")
OP(ABS,       1,  EW1,  "abs",      OPF_LUA,             "",                "hn_abs(%a)",      "hn_absf(%a)",      0,    "sign(x)",            "R")
OP(SIGN,      1,  EW1,  "sign",     OPF_LUA,             "",                "hn_sign(%a)",     "hn_signf(%a)",     0,    "0",                  "R")
OP(RELU,      1,  EW1,  "relu",     OPF_LUA,             "",                "hn_relu(%a)",     "hn_reluf(%a)",     0,    "step(x)",            "R")
OP(STEP,      1,  EW1,  "step",     0,                   "",                "hn_step(%a)",     "hn_stepf(%a)",     0,    "0",                  "R")
OP(TANH,      1,  EW1,  "tanh",     OPF_LUA | OPF_CALL,  "",                "hn_tanh(%a)",     "hn_tanhf(%a)",     0,    "1 - square(y)",      "R")
OP(SIN,       1,  EW1,  "sin",      OPF_LUA | OPF_CALL,  "",                "hn_sin(%a)",      "hn_sinf(%a)",      0,    "cos(x)",             "R")
OP(COS,       1,  EW1,  "cos",      OPF_LUA | OPF_CALL,  "",                "hn_cos(%a)",      "hn_cosf(%a)",      0,    "-sin(x)",            "R")
OP(EXP,       1,  EW1,  "exp",      OPF_LUA | OPF_CALL,  "",                "hn_exp(%a)",      "hn_expf(%a)",      0,    "y",                  "R")
OP(LOG,       1,  EW1,  "log",      OPF_LUA | OPF_CALL,  "",                "hn_log(%a)",      "hn_logf(%a)",      0,    "1 / x",              "+")
OP(SQRT,      1,  EW1,  "sqrt",     OPF_LUA | OPF_CALL,  "",                "hn_sqrt(%a)",     "hn_sqrtf(%a)",     0,    "0.5 / y",            "+")
OP(SOFTPLUS,  1,  EW1,  "softplus", OPF_LUA | OPF_CALL,  "",                "hn_softplus(%a)", "hn_softplusf(%a)", 0,    "sigmoid(x)",         "R")
OP(SIGMOID,   1,  EW1,  "sigmoid",  OPF_LUA | OPF_CALL,  "",                "hn_sigmoid(%a)",  "hn_sigmoidf(%a)",  0,    "y * (1 - y)",        "R")

OP(ADD,       2,  EW2,  "add",      0,                   "",                "%a + %b",         "%a + %b",          1,    "",                   "")
OP(SUB,       2,  EW2,  "sub",      0,                   "",                "%a - %b",         "%a - %b",          1,    "",                   "")
OP(MUL,       2,  EW2,  "mul",      0,                   "",                "%a * %b",         "%a * %b",          1,    "",                   "")
OP(DIV,       2,  EW2,  "div",      0,                   "",                "%a / %b",         "%a / %b",          1,    "",                   "")

OP(RESHAPE,   1,  LIN,  "reshape",  OPF_VIEW,            "",                "",                "",                 0,    "",                   "")
OP(TRANSPOSE, 1,  LIN,  "transpose",0,                   "",                "",                "",                 0,    "",                   "")
OP(SUM,       1,  LIN,  "sum",      0,                   " %0",             "",                "",                 0,    "",                   "")
OP(EXPAND,    1,  LIN,  "expand",   0,                   " axis=%0 len=%1", "",                "",                 0,    "",                   "")
OP(SLICE,     1,  LIN,  "slice",    0,                   " axis=%0 %1 %2",  "",                "",                 0,    "",                   "")
OP(PAD,       1,  LIN,  "pad",      0,                   " axis=%0 %1 %2",  "",                "",                 0,    "",                   "")
OP(CONCAT,   -1,  LIN,  "concat",   0,                   " axis=%0",        "",                "",                 0,    "",                   "")
OP(BSUM,      1,  LIN,  "bsum",     OPF_REDUCE,          "",                "",                "",                 0,    "",                   "")
OP(BCAST,     1,  LIN,  "bcast",    0,                   "",                "",                "",                 0,    "",                   "")

OP(MATMUL,    2,  MM,   "matmul",   0,                   " %t0%t1",         "",                "",                 0,    "",                   "")
OP(BMATMUL,   2,  MM,   "bmatmul",  OPF_REDUCE,          " %t0%t1",         "",                "",                 0,    "",                   "")

OP(SOLVE,     2,  SOLVE, "solve",   0,                   " %t0",            "",                "",                 0,    "",                   "")
/* The rows' meanings, where a name does not say it:
 *   input   function argument number a[0]    param  theta + the offset of a[0]
 *   const   the scalar value, broadcast      tensor a constant tensor (graph data)
 *   nbatch  n, the samples of the call       sign   -1, 0 or 1 (NaN -> NaN)
 *   powi    x^a[0] by repeated multiplication (a[0] integer)
 *   step    x > 0 ? 1 : 0 (relu's derivative) sqrt   correctly rounded
 *   sum     over axis a[0], removed          expand insert axis a[0] of length a[1]
 *   slice   axis a[0], elements a[1] .. a[1]+a[2]-1
 *   pad     axis a[0]: zeros, x at a[1], length a[2]
 *   concat  along axis a[0]                  bsum   batched -> shared: sum over samples
 *   bcast   shared -> batched                matmul op(A) op(B), a[0] = tA, a[1] = tB
 *   bmatmul the sum over samples of op(A_s) op(B_s)
 *   solve   x = op(A)⁻¹ b, a[0] = tA: A [m,m], b and x [m] or [m,k] */

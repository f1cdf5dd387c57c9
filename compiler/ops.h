/* The op table: one row per primitive, expanded by every consumer (the enum,
 * the names, the printer, the derivative-check test).
 *
 * OP(NAME, nin, kind, name)
 *   nin   number of operands, -1 for variadic (concat)
 *   kind  LEAF  no operands; value comes from the caller or the graph
 *         EW1   elementwise unary, y = f(x)
 *         EW2   elementwise binary with scalar and batch broadcasting
 *         LIN   linear structural op (reshape, slice, sums, ...)
 *         MM    matrix products
 *
 * Shapes are per sample. A node is either batched (one value per sample, the
 * leading dimension n is implicit) or shared (one value for the whole call:
 * parameters, constants, and sums over the batch).
 */
OP(INPUT,    0, LEAF, "input")     /* function argument number a[0]           */
OP(PARAM,    0, LEAF, "param")     /* parameter number a[0], theta + offset   */
OP(CONST,    0, LEAF, "const")     /* the scalar value, broadcast to shape    */
OP(TENSOR,   0, LEAF, "tensor")    /* a constant tensor, data in the graph    */
OP(NBATCH,   0, LEAF, "nbatch")    /* n, the number of samples of the call    */

OP(NEG,      1, EW1,  "neg")       /* -x                                      */
OP(SQUARE,   1, EW1,  "square")    /* x*x                                     */
OP(POWI,     1, EW1,  "powi")      /* x^a[0], a[0] integer, by repeated mul   */
OP(ABS,      1, EW1,  "abs")       /* |x|                                     */
OP(SIGN,     1, EW1,  "sign")      /* -1, 0 or 1 (0 for ±0 and NaN -> NaN)    */
OP(RELU,     1, EW1,  "relu")      /* x > 0 ? x : 0                           */
OP(STEP,     1, EW1,  "step")      /* x > 0 ? 1 : 0                           */
OP(TANH,     1, EW1,  "tanh")      /* (e^x - e^-x)/(e^x + e^-x)               */
OP(SIN,      1, EW1,  "sin")
OP(COS,      1, EW1,  "cos")
OP(EXP,      1, EW1,  "exp")
OP(LOG,      1, EW1,  "log")
OP(SQRT,     1, EW1,  "sqrt")      /* correctly rounded                       */
OP(SOFTPLUS, 1, EW1,  "softplus")  /* log(1 + e^x)                            */
OP(SIGMOID,  1, EW1,  "sigmoid")   /* 1/(1 + e^-x)                            */

OP(ADD,      2, EW2,  "add")
OP(SUB,      2, EW2,  "sub")
OP(MUL,      2, EW2,  "mul")
OP(DIV,      2, EW2,  "div")

OP(RESHAPE,  1, LIN,  "reshape")   /* same elements, new shape (a view)       */
OP(TRANSPOSE,1, LIN,  "transpose") /* [a,b] -> [b,a]                          */
OP(SUM,      1, LIN,  "sum")       /* sum over axis a[0], the axis removed    */
OP(EXPAND,   1, LIN,  "expand")    /* insert axis a[0] of length a[1], copies */
OP(SLICE,    1, LIN,  "slice")     /* axis a[0], elements a[1] .. a[1]+a[2]-1 */
OP(PAD,      1, LIN,  "pad")       /* axis a[0]: zeros, x at a[1], length a[2]*/
OP(CONCAT,  -1, LIN,  "concat")    /* along axis a[0]                         */
OP(BSUM,     1, LIN,  "bsum")      /* batched -> shared: sum over samples     */
OP(BCAST,    1, LIN,  "bcast")     /* shared -> batched: the same per sample  */

OP(MATMUL,   2, MM,   "matmul")    /* op(A) op(B), a[0] = tA, a[1] = tB       */
OP(BMATMUL,  2, MM,   "bmatmul")   /* sum over samples of op(A_s) op(B_s)     */

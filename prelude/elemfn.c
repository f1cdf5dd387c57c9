/* elemfn.c: elementary functions for generated kernels
 *
 * The code generator pastes this file verbatim into every generated .c
 * file, so that a model evaluates to the same bits whichever compiler
 * builds it (gcc, clang, tcc) and whatever libm the machine has. It is a
 * C99 fragment: no #include, no libm, no mutable state, no allocation;
 * every function is static inline and named hn_*, helpers hn__*; the
 * bit-level helper macros HN__* are undefined at the end.
 *
 * Requires: IEEE binary64/binary32 arithmetic evaluated in its own
 * precision (FLT_EVAL_METHOD 0: SSE2 on x86-64, any AArch64), round to
 * nearest, no FP contraction (gcc and clang: -ffp-contract=off, which
 * clang does not default to; tcc never contracts), no -ffast-math. Every
 * operation and its order is written out; constants are exact hex
 * literals; bit casts go through unions; selects are bit masks. The only
 * conversions are float <-> double and signed long long -> double (tcc
 * -nostdlib has no helpers for the unsigned ones). gcc -O0..-O3
 * -march=native, clang -O0..-O3 and tcc give identical bits.
 *
 * Polynomials are minimax (Remez) fits made for this file; each states
 * the function it approximates, on which interval and to what error.
 *
 * Guarantees, measured against glibc 2.36 and a long double reference
 * over millions of points (tests/test_elemfn.c):
 *   hn_sqrt, hn_sqrtf    correctly rounded (bit-identical to sqrt).
 *   hn_exp  hn_expm1  hn_log  hn_log1p  hn_sin  hn_cos  hn_tanh
 *   hn_sigmoid  hn_softplus
 *                        under 1 ulp from the exact result; at most
 *                        2 ulp from glibc (see the test for the
 *                        per-function bounds). sigmoid and softplus
 *                        have no glibc counterpart: they are checked
 *                        against 1/(1+expl(-x)) and log1pl(expl(x)).
 *   float versions       computed in double and rounded once: within
 *                        0.5 + 2^-20 ulp of the exact result, at most
 *                        1 ulp from glibc; except hn_tanhf, computed in
 *                        float for speed (a float model's tanh layers):
 *                        under 1.052 ulp from the exact result over
 *                        every float, at most 2 ulp from glibc.
 *   sin, cos             exact argument reduction for every finite x:
 *                        Cody-Waite for |x| < 2^20, Payne-Hanek (a
 *                        1280-bit table of 2/pi) beyond.
 *   special values       as glibc: +-Inf, +-0 with its sign where glibc
 *                        keeps it (expm1, log1p, tanh, sin, sqrt),
 *                        subnormal inputs and results, overflow to Inf,
 *                        underflow to 0, log(0) = -Inf, log(x<0) = NaN.
 *                        A NaN argument is returned unchanged; invalid
 *                        arguments give the quiet NaN 0x7ff8000000000000
 *                        (float: 0x7fc00000), on every platform.
 *   Floating-point exception flags (inexact, overflow...) are not
 *   meaningful.
 *
 * Speed: the common path of each function is straight-line code with
 * selects, so gcc -O3 vectorizes loops over hn_exp, hn_expm1, hn_log,
 * hn_log1p, hn_tanh, hn_sigmoid, hn_softplus, hn_sqrt and their float
 * versions. hn_sin and hn_cos branch to the Payne-Hanek path for
 * |x| >= 2^20, which keeps their loops scalar.
 */

/* Bit access and selects. These run dozens of times per call, and tcc
 * never inlines, so they are macros (undefined at the end of the file)
 * rather than functions: C99 compound literals of a union do the bit
 * casts. HN__SEL(c, a, b) is c ? a : b for c = 0 or 1 without a branch:
 * both arms are computed, so the compiler cannot specialise the code after
 * a select for a constant arm (a clamp, say), which would leave control
 * flow that keeps loops from vectorizing. */
union hn__u64 { double d; unsigned long long u; };
union hn__u32 { float f; unsigned int u; };

#define HN__BITS(x) (((union hn__u64){ .d = (x) }).u)
#define HN__DOUBLE(v) (((union hn__u64){ .u = (v) }).d)
#define HN__MASK(c) (0 - (unsigned long long)(c))
#define HN__SEL(c, a, b) \
	HN__DOUBLE((HN__BITS(a) & HN__MASK(c)) | (HN__BITS(b) & ~HN__MASK(c)))
#define HN__FABS(x) HN__DOUBLE(HN__BITS(x) & 0x7fffffffffffffffULL)
#define HN__ISNAN(x) ((HN__BITS(x) & 0x7fffffffffffffffULL) > 0x7ff0000000000000ULL)
#define HN__INF HN__DOUBLE(0x7ff0000000000000ULL)
/* the NaN returned for invalid arguments (log(-1), sqrt(-1), sin(Inf)):
 * one fixed bit pattern, where hardware default NaNs differ by platform */
#define HN__NAN HN__DOUBLE(0x7ff8000000000000ULL)

/* a * b - p exactly, for p = a * b rounded (Dekker's product; no fma).
 * Requires |a|, |b| < 2^995 and a * b neither overflowing nor subnormal. */
static inline double hn__mul_err(double a, double b, double p)
{
	double ca = 134217729.0 * a, ah = ca - (ca - a), al = a - ah;
	double cb = 134217729.0 * b, bh = cb - (cb - b), bl = b - bh;

	return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* exponential */

/* x = k ln2 + r + rlo with k = round(x / ln2), |r| <= 0.3466 and rlo the
 * rounding error of r, for |x| < 2^20. Returns r; *kbits gets the bits of
 * 0x1.8p52 + k, whose low bits hold k in two's complement. ln2 is split
 * so that k * ln2hi is exact. */
static inline double hn__exp_reduce(double x, double *rlo, double *k,
                                    unsigned long long *kbits)
{
	double t = x * 0x1.71547652b82fep+0 + 0x1.8p52;
	double hi, lo, r;

	*kbits = HN__BITS(t);
	*k = t - 0x1.8p52;
	hi = x - *k * 0x1.62e42ffp-1;
	lo = *k * -0x1.718432a1b0e26p-35;
	r = hi - lo;
	*rlo = (hi - r) - lo;
	return r;
}

/* e^r - 1 - r = th + tl for |r| <= 0.3466, relative error below 2^-58.
 * With r = rh + rl, rh the top 26 bits of r and rl the other 27,
 * th = rh^2/2 and rh rl are exact products, so r^2/2 is not rounded. */
static inline double hn__exp_tail(double r, double *tl)
{
	double rh = HN__DOUBLE(HN__BITS(r) & 0xfffffffff8000000ULL);
	double rl = r - rh;
	double r2 = r * r, pe, po;

	/* (e^r - 1 - r - r^2/2)/r^3 = pe(r^2) + r po(r^2) (two short chains)
	 * on |r| <= 0.3467, relative error 2^-53, so 2^-60 of e^r */
	pe = 0x1.af38aa22c7b69p-26;
	pe = 0x1.71de0daf68823p-19 + r2 * pe;
	pe = 0x1.a01a01a7c3705p-13 + r2 * pe;
	pe = 0x1.11111111109b5p-7 + r2 * pe;
	pe = 0x1.5555555555556p-3 + r2 * pe;
	po = 0x1.1f2a2cef15609p-29;
	po = 0x1.27e502c72fa86p-22 + r2 * po;
	po = 0x1.a01a0198a6123p-16 + r2 * po;
	po = 0x1.6c16c16c18127p-10 + r2 * po;
	po = 0x1.5555555555554p-5 + r2 * po;
	*tl = (rh * rl + 0.5 * (rl * rl)) + r2 * (r * (pe + r * po));
	return 0.5 * (rh * rh);
}

/* e^(r + rlo) = hi + lo to about 2^-58, from hn__exp_reduce's output */
static inline double hn__exp_hilo(double r, double rlo, double *lo)
{
	double tl, th = hn__exp_tail(r, &tl);
	double t = 1.0 + r;
	double e = (1.0 - t) + r;               /* 1 + r = t + e exactly */
	double s = th + (e + (tl + (rlo + r * rlo)));
	double h = t + s;

	*lo = (t - h) + s;
	return h;
}

/* 2^k = hn__scale1(kb) * hn__scale2(kb) for kb = bits(0x1.8p52 + k) and
 * -2040 <= k <= 2040: two normal factors, so y * scale1 * scale2 rounds
 * only once, at the second product, also when the result is subnormal. */
static inline double hn__scale1(unsigned long long kb)
{
	unsigned long long kk = kb - 0x4337fffffffff800ULL;       /* k + 2048 */

	return HN__DOUBLE(((kk >> 1) - 1) << 52);
}

static inline double hn__scale2(unsigned long long kb)
{
	unsigned long long kk = kb - 0x4337fffffffff800ULL;

	return HN__DOUBLE(((kk - (kk >> 1)) - 1) << 52);
}

/* e^x: e^710 overflows and e^-746 underflows, so x is clamped there.
 * A NaN argument is returned as it is, here and below: the NaN that
 * arithmetic would produce may differ in sign between compilers. */
static inline double hn_exp(double x)
{
	double xc, r, rlo, k, lo, y;
	unsigned long long kb;

	xc = HN__SEL(x > 710.0, 710.0, x);
	xc = HN__SEL(xc < -746.0, -746.0, xc);
	r = hn__exp_reduce(xc, &rlo, &k, &kb);
	y = hn__exp_hilo(r, rlo, &lo);
	y = (y * hn__scale1(kb)) * hn__scale2(kb);
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* e^x - 1 = 2 (T (1 + r + th + tl) - 1/2) with T = 2^(k-1): the large
 * terms are added in exact steps (Fast2Sum, each first operand the larger
 * or zero) so that no rounding error is amplified.
 * expm1(x) = -1 in double for x < -38, = x for |x| < 2^-54. */
static inline double hn_expm1(double x)
{
	double xc, r, rlo, k, th, tl, t, big, small, s1, e1, b, s2, e2, c, s3, e3, y;
	unsigned long long kb;

	xc = HN__SEL(x > 710.0, 710.0, x);
	xc = HN__SEL(xc < -40.0, -40.0, xc);
	r = hn__exp_reduce(xc, &rlo, &k, &kb);
	th = hn__exp_tail(r, &tl);
	t = HN__DOUBLE((kb - 0x4338000000000000ULL + 1022) << 52);    /* 2^(k-1) */
	big = HN__SEL(k >= 0.0, t, -0.5);
	small = HN__SEL(k >= 0.0, -0.5, t);
	s1 = big + small;                       /* t - 1/2 = s1 + e1 */
	e1 = small - (s1 - big);
	b = t * r;
	s2 = s1 + b;
	e2 = b - (s2 - s1);
	c = t * th;
	s3 = s2 + c;
	e3 = c - (s3 - s2);
	y = 2.0 * (s3 + (((e1 + e2) + e3) + t * (tl + (rlo + r * rlo))));
	return HN__SEL((HN__FABS(x) < 0x1p-54) | HN__ISNAN(x), x, y);
}

/* logarithm */

/* log(2^k (1 + f)) + c for sqrt(1/2) - 1 <= f < sqrt(2) - 1 and a small
 * correction c: with s = f/(2+f), log(1+f) = 2 atanh(s)
 * = f - f^2/2 + s (f^2/2 + R(s^2)). ln2 is split so that k ln2hi is exact
 * for |k| < 2^21. */
static inline double hn__log_kernel(double f, double k, double c)
{
	double s = f / (2.0 + f);
	double z = s * s;
	double hfsq = 0.5 * f * f;
	double w = z * z, pe, po, p;

	/* R(z)/z = (2 atanh(s) - 2s)/s^3 = pe(z^2) + z po(z^2) on |s| <= 0.1716,
	 * relative error 2^-50, so 2^-57 of log(1+f) */
	pe = 0x1.2b5cc6da4e83dp-3;
	pe = 0x1.7462b7be2ff3ap-3 + w * pe;
	pe = 0x1.2492492dfae88p-2 + w * pe;
	pe = 0x1.5555555555558p-1 + w * pe;
	po = 0x1.39fdff4715d1ep-3;
	po = 0x1.c71c62da0b420p-3 + w * po;
	po = 0x1.9999999995284p-2 + w * po;
	p = z * (pe + z * po);
	return k * 0x1.62e42ffp-1
	       - ((hfsq - (s * (hfsq + p) + (k * -0x1.718432a1b0e26p-35 + c))) - f);
}

/* Splits a positive normal u = 2^k m with sqrt(1/2) <= m < sqrt(2).
 * Returns k as a double; *m gets m. */
static inline double hn__log_reduce(double u, double *m)
{
	unsigned long long ux = HN__BITS(u);
	unsigned long long tmp = ux + (0x8000000000000000ULL - 0x3fe6a09e667f3bcdULL);
	unsigned long long n = tmp >> 52;                       /* k + 2048 */

	*m = HN__DOUBLE(ux - (tmp & 0xfff0000000000000ULL) + 0x8000000000000000ULL);
	return HN__DOUBLE(0x4330000000000000ULL + n) - 4503599627372544.0; /* - 2^52 - 2048 */
}

static inline double hn_log(double x)
{
	double xs, kadj, m, k, y, special;

	xs = HN__SEL(x < 0x1p-1022, x * 0x1p54, x);    /* subnormals */
	kadj = HN__SEL(x < 0x1p-1022, 54.0, 0.0);
	k = hn__log_reduce(xs, &m);
	y = hn__log_kernel(m - 1.0, k - kadj, 0.0);
	special = HN__SEL(x == 0.0, -HN__INF, x);   /* +Inf, NaN: x */
	special = HN__SEL(x < 0.0, HN__NAN, special);
	y = HN__SEL((x > 0.0) & (x < HN__INF), y, special);
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* log(1 + xh + xl) for -1 < xh < +Inf and |xl| <= ulp(xh): u = 1 + xh
 * rounded, and the rounding error joins xl as a first-order correction */
static inline double hn__log1p_hilo(double xh, double xl)
{
	double u = 1.0 + xh;
	double b = u - 1.0;
	double c = ((1.0 - (u - b)) + (xh - b)) + xl;   /* 1 + xh + xl = u + c */
	double m, k, f;

	k = hn__log_reduce(u, &m);
	f = HN__SEL(k == 0.0, xh, m - 1.0);     /* k = 0: 1 + xh = u + c, f = xh exact */
	c = HN__SEL(k == 0.0, xl, c);
	return hn__log_kernel(f, k, c / u);
}

static inline double hn_log1p(double x)
{
	double y = hn__log1p_hilo(x, 0.0);
	double special;

	special = HN__SEL(x == -1.0, -HN__INF, x);  /* +Inf, NaN: x */
	special = HN__SEL(x < -1.0, HN__NAN, special);
	y = HN__SEL((x > -1.0) & (x < HN__INF), y, special);
	return HN__SEL((HN__FABS(x) < 0x1p-54) | HN__ISNAN(x), x, y);
}

/* neural-net activations */

/* tanh a = a + a z T(z), z = a^2, for a = |x| < 0.55; beyond,
 * tanh a = 1 - 2/(e^2a + 1) with e^2a carried as hi + lo. tanh(20)
 * rounds to 1. The sign of x is put back last (also on -0). */
static inline double hn_tanh(double x)
{
	double a = HN__FABS(x), z, z2, te, to, p, r, rlo, k, h, l, sc, eh, el, dh, dl, w, y, ye;
	unsigned long long kb;

	z = a * a;
	z2 = z * z;
	/* T(z) = (tanh a - a)/a^3 = te(z^2) + z to(z^2) on a <= 0.55, relative
	 * error 2^-54, so 2^-57 of tanh a */
	te = -0x1.59aa384b00067p-16;
	te = -0x1.ec10d02c42d23p-13 + z2 * te;
	te = -0x1.7d97d06bd7b36p-10 + z2 * te;
	te = -0x1.226e32f0428bep-7 + z2 * te;
	te = -0x1.ba1ba1b9fecc1p-5 + z2 * te;
	te = -0x1.5555555555555p-2 + z2 * te;
	to = 0x1.64fe4c5b2714ap-14;
	to = 0x1.34c5ae44d3edcp-11 + z2 * to;
	to = 0x1.d6d3393d8f157p-9 + z2 * to;
	to = 0x1.664f487714776p-6 + z2 * to;
	to = 0x1.1111111111032p-3 + z2 * to;
	p = a + a * (z * (te + z * to));

	r = hn__exp_reduce(2.0 * HN__SEL(a > 20.0, 20.0, a), &rlo, &k, &kb);
	h = hn__exp_hilo(r, rlo, &l);
	sc = HN__DOUBLE((kb - 0x4338000000000000ULL + 1023) << 52);   /* 2^k */
	eh = h * sc;
	el = l * sc;
	dh = eh + 1.0;                          /* e^2a + 1 = dh + dl */
	dl = ((eh - dh) + 1.0) + el;
	w = 2.0 / dh;
	y = 1.0 - w;                            /* 1 - w = y + ye */
	ye = (1.0 - y) - w;
	y = y + (ye + (w * w) * (0.5 * dl));    /* 2/(dh + dl) = w - w^2 dl/2 */

	y = HN__SEL(a < 0.55, p, y);
	y = HN__DOUBLE(HN__BITS(y) | (HN__BITS(x) & 0x8000000000000000ULL));
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* sigmoid x = 1/(1 + e^-x): with E = e^-|x| = eh + el,
 * 1/(1 + E) for x >= 0 and E/(1 + E) for x < 0: one division, then a
 * first-order correction for its exact residual and the low parts */
static inline double hn_sigmoid(double x)
{
	double a = HN__FABS(x), r, rlo, k, h, l, s1, s2, eh, el, dh, dl, num, nl, q, pr, res, inv;
	unsigned long long kb;

	a = HN__SEL(a > 746.0, 746.0, a);
	r = hn__exp_reduce(-a, &rlo, &k, &kb);
	h = hn__exp_hilo(r, rlo, &l);
	s1 = hn__scale1(kb);
	s2 = hn__scale2(kb);
	eh = (h * s1) * s2;
	el = (l * s1) * s2;
	dh = 1.0 + eh;                          /* 1 + E = dh + dl */
	dl = ((1.0 - dh) + eh) + el;
	num = HN__SEL(x < 0.0, eh, 1.0);
	nl = HN__SEL(x < 0.0, el, 0.0);
	q = num / dh;
	pr = q * dh;                            /* num - q dh, exactly */
	res = (num - pr) - hn__mul_err(q, dh, pr);
	inv = HN__SEL(x < 0.0, 1.0 - q, q);     /* 1/dh, to the few bits needed */
	q = q + ((res + nl) - q * dl) * inv;
	return HN__SEL(HN__ISNAN(x), x, q);
}

/* softplus x = log(1 + e^x) = x + log(1 + e^-x): the second form for
 * x > 1, where the log term is small. = x for x > 37, e^x for x < -37. */
static inline double hn_softplus(double x)
{
	double y, r, rlo, k, h, l, s1, s2, eh, el;
	unsigned long long kb;

	y = HN__SEL(x > 1.0, -x, x);            /* NaN: x is returned */
	y = HN__SEL(y < -746.0, -746.0, y);
	r = hn__exp_reduce(y, &rlo, &k, &kb);
	h = hn__exp_hilo(r, rlo, &l);
	s1 = hn__scale1(kb);
	s2 = hn__scale2(kb);
	eh = (h * s1) * s2;
	el = (l * s1) * s2;
	y = HN__SEL(x > 1.0, x, 0.0) + hn__log1p_hilo(eh, el);
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* trigonometric */

/* sin(x + y) for |x| <= pi/4 (a little more is fine), |y| <= ulp(x):
 * sin x = x + x^3 S(x^2), and sin(x + y) = sin x + y (1 - x^2/2).
 * S(z) = (sin x - x)/x^3 on |x| <= pi/4: relative error 2^-54 (2^-57 of
 * sin x). */
static inline double hn__sin_kernel(double x, double y)
{
	double z = x * x, v = z * x;
	double p = -0x1.ab16ed43fcf1ep-41;

	p = 0x1.61217d60365bap-33 + z * p;
	p = -0x1.ae64541073e2fp-26 + z * p;
	p = 0x1.71de3a545f19bp-19 + z * p;
	p = -0x1.a01a01a01992ap-13 + z * p;
	p = 0x1.1111111111110p-7 + z * p;
	return x - ((z * (0.5 * y - v * p) - y) - v * -0x1.5555555555555p-3);
}

/* cos(x + y) for |x| <= pi/4, |y| <= ulp(x): cos x = 1 - x^2/2 + x^4 C(x^2),
 * with the rounding error of 1 - x^2/2 recovered, and
 * cos(x + y) = cos x - x y. C(z) = (cos x - 1 + x^2/2)/x^4 on |x| <= pi/4:
 * relative error 2^-54 (2^-60 of cos x). */
static inline double hn__cos_kernel(double x, double y)
{
	double z = x * x, hz = 0.5 * z, w = 1.0 - hz;
	double p = -0x1.907d0793a6213p-37;

	p = 0x1.1eeb67f8e0470p-29 + z * p;
	p = -0x1.27e4fa16d688bp-22 + z * p;
	p = 0x1.a01a019f4dcb6p-16 + z * p;
	p = -0x1.6c16c16c16962p-10 + z * p;
	p = 0x1.5555555555555p-5 + z * p;
	return w + (((1.0 - w) - hz) + (z * (z * p) - x * y));
}

/* x = n pi/2 + rh + rl for |x| < 2^20 (Cody-Waite): pi/2 is cut in three
 * 33-bit pieces and a 53-bit rest, so k * piece is exact for k < 2^20, and
 * the two subtractions that may cancel are exact (TwoSum). Returns n mod 4. */
static inline unsigned long long hn__rem_pio2(double x, double *rh, double *rl)
{
	double t = x * 0x1.45f306dc9c883p-1 + 0x1.8p52;
	double k = t - 0x1.8p52;
	double a = x - k * 0x1.921fb544p+0;     /* exact (Sterbenz) */
	double b = k * 0x1.0b4611a6p-34;
	double c = k * 0x1.3198a2ep-69;
	double s1, v1, e1, s2, v2, e2, lo, h, v3;

	s1 = a - b;                             /* a - b = s1 + e1 */
	v1 = s1 - a;
	e1 = (a - (s1 - v1)) - (b + v1);
	s2 = s1 - c;                            /* s1 - c = s2 + e2 */
	v2 = s2 - s1;
	e2 = (s1 - (s2 - v2)) - (c + v2);
	lo = (e1 + e2) - k * 0x1.b839a252049c1p-104;
	h = s2 + lo;                            /* s2 + lo = h + rl */
	v3 = h - s2;
	*rh = h;
	*rl = (s2 - (h - v3)) + (lo - v3);
	return HN__BITS(t) & 3;
}

/* 2/pi = sum T[i] 2^(-32(i+1)), 1280 bits: enough for |x| < 2^1024 */
static const unsigned int hn__two_over_pi[40] = {
	0xA2F9836E, 0x4E441529, 0xFC2757D1, 0xF534DDC0, 0xDB629599,
	0x3C439041, 0xFE5163AB, 0xDEBBC561, 0xB7246E3A, 0x424DD2E0,
	0x06492EEA, 0x09D1921C, 0xFE1DEB1C, 0xB129A73E, 0xE88235F5,
	0x2EBB4484, 0xE99C7026, 0xB45F7E41, 0x3991D639, 0x835339F4,
	0x9C845F8B, 0xBDF9283B, 0x1FF897FF, 0xDE05980F, 0xEF2F118B,
	0x5A0A6D1F, 0x6D367ECF, 0x27CB09B7, 0x4F463F66, 0x9E5FEA2D,
	0x7527BAC7, 0xEBE5F17B, 0x3D0739F7, 0x8A5292EA, 0x6BFB5FB1,
	0x1F8D5D08, 0x56033046, 0xFC7B6BAB, 0xF0CFBC20, 0x9AF4361D,
};

/* bits s .. s+63 of the little-endian 32-bit limbs p (p[s/32 + 2] read) */
static inline unsigned long long hn__window64(const unsigned int *p, int s)
{
	int i = s >> 5, sh = s & 31;
	unsigned long long lo = p[i] | (unsigned long long)p[i + 1] << 32;

	if (sh == 0)
		return lo;
	return (lo >> sh) | ((unsigned long long)p[i + 2] << (64 - sh));
}

/* x = n pi/2 + rh + rl for 2^20 <= |x| < Inf (Payne-Hanek); 0 for Inf
 * and NaN. |x| = X 2^e with X a 53-bit integer; the bits of 2/pi whose
 * product with X lies above 2^2 are multiples of 4 and dropped, the next
 * 256 give |x| 2/pi mod 4 to 2^-126, and no double lies closer than
 * 2^-62 to a multiple of pi/2. Returns n mod 4. */
static inline unsigned long long hn__rem_pio2_large(double x, double *rh, double *rl)
{
	unsigned long long u = HN__BITS(x) & 0x7fffffffffffffffULL;
	unsigned long long mant = (u & 0x000fffffffffffffULL) | 0x0010000000000000ULL;
	unsigned long long ml = mant & 0xffffffffULL, mh = mant >> 32, t, carry, q, r, n, f;
	int e = (int)(u >> 52) - 1075, i0, j, top;
	unsigned int p[10];
	double hi, mid, lo, s, v, err, fh, fl, ph, pl, h;

	if (u >= 0x7ff0000000000000ULL) {      /* the caller returns NaN */
		*rh = 0.0;
		*rl = 0.0;
		return 0;
	}
	i0 = e < 2 ? 0 : (e - 2) >> 5;
	top = i0 + 7;                           /* least significant limb used */
	carry = 0;                              /* p = mant * T[i0 .. i0+7] */
	for (j = 0; j < 8; j++) {
		t = ml * hn__two_over_pi[top - j] + carry;
		p[j] = (unsigned int)t;
		carry = t >> 32;
	}
	p[8] = (unsigned int)carry;
	carry = 0;
	for (j = 0; j < 8; j++) {
		t = mh * hn__two_over_pi[top - j] + p[j + 1] + carry;
		p[j + 1] = (unsigned int)t;
		carry = t >> 32;
	}
	p[9] = (unsigned int)carry;

	/* |x| 2/pi = p 2^-B; q holds it mod 4 to 2^-62, r the next 64 bits */
	j = 32 * (i0 + 8) - e;
	q = hn__window64(p, j - 62);
	r = hn__window64(p, j - 126);
	n = (q + (1ULL << 61)) >> 62;
	f = q - (n << 62) + (1ULL << 61);      /* fraction + 1/2, in [0, 2^62) */

	/* fraction = hi + mid + lo, each exact */
	hi = ((double)(long long)(f >> 10) - 0x1p51) * 0x1p-52;
	mid = (double)(long long)(((f & 1023) << 42) | (r >> 22)) * 0x1p-104;
	lo = (double)(long long)(r & 0x3fffff) * 0x1p-126;
	s = hi + mid;
	v = s - hi;
	err = ((hi - (s - v)) + (mid - v)) + lo;
	fh = s + err;
	fl = (s - fh) + err;

	/* times pi/2 in double-double */
	ph = fh * 0x1.921fb54442d18p+0;
	pl = hn__mul_err(fh, 0x1.921fb54442d18p+0, ph)
	     + (fh * 0x1.1a62633145c07p-54 + fl * 0x1.921fb54442d18p+0);
	h = ph + pl;
	*rh = h;
	*rl = (ph - h) + pl;
	if (x < 0.0) {
		*rh = -*rh;
		*rl = -*rl;
		n = 0 - n;
	}
	return n & 3;
}

static inline double hn_sin(double x)
{
	double rh, rl, s, c, y;
	unsigned long long n;

	if (HN__FABS(x) < 0x1p20)
		n = hn__rem_pio2(x, &rh, &rl);
	else
		n = hn__rem_pio2_large(x, &rh, &rl);
	s = hn__sin_kernel(rh, rl);
	c = hn__cos_kernel(rh, rl);
	y = HN__SEL((int)(n & 1), c, s);
	y = HN__SEL((int)(n >> 1), -y, y);
	y = HN__SEL(HN__FABS(x) < 0x1p-27, x, y);       /* sin x = x, keeps -0 */
	y = HN__SEL(HN__FABS(x) < HN__INF, y, HN__NAN);
	return HN__SEL(HN__ISNAN(x), x, y);
}

static inline double hn_cos(double x)
{
	double rh, rl, s, c, y;
	unsigned long long n;

	if (HN__FABS(x) < 0x1p20)
		n = hn__rem_pio2(x, &rh, &rl);
	else
		n = hn__rem_pio2_large(x, &rh, &rl);
	s = hn__sin_kernel(rh, rl);
	c = hn__cos_kernel(rh, rl);
	y = HN__SEL((int)(n & 1), s, c);
	y = HN__SEL((int)(((n + 1) >> 1) & 1), -y, y);
	y = HN__SEL(HN__FABS(x) < HN__INF, y, HN__NAN);
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* square root */

/* Correctly rounded: 1/sqrt from the bits and four Newton steps, one
 * Newton step for sqrt (now within 1 ulp), then the exact test that picks
 * among y and its neighbours: for consecutive doubles lo < hi the midpoint
 * m has x > m^2 exactly when x > lo * hi (x is a multiple of ulp(hi)^2).
 * x is first scaled by an even power of two into [2^-966, 2^916] so that
 * the exact products neither underflow nor overflow. */
static inline double hn_sqrt(double x)
{
	double sc, us, a, ha, g, y, yu, yd, p, q, pe, qe, special;

	sc = HN__SEL(x < 0x1p-1000, 0x1p108, HN__SEL(x > 0x1p1000, 0x1p-108, 1.0));
	us = HN__SEL(x < 0x1p-1000, 0x1p-54, HN__SEL(x > 0x1p1000, 0x1p54, 1.0));
	a = x * sc;
	ha = 0.5 * a;
	g = HN__DOUBLE(0x5fe6eb50c7b537a9ULL - (HN__BITS(a) >> 1));
	g = g * (1.5 - ha * g * g);
	g = g * (1.5 - ha * g * g);
	g = g * (1.5 - ha * g * g);
	g = g * (1.5 - ha * g * g);
	y = a * g;
	y = y + (0.5 * g) * (a - y * y);
	yu = HN__DOUBLE(HN__BITS(y) + 1);
	yd = HN__DOUBLE(HN__BITS(y) - 1);
	p = y * yu;
	pe = hn__mul_err(y, yu, p);
	q = yd * y;
	qe = hn__mul_err(yd, y, q);
	y = HN__SEL(a - p > pe, yu, HN__SEL(a - q <= qe, yd, y));  /* a - p, a - q exact */
	y = y * us;
	special = HN__SEL(x < 0.0, HN__NAN, x);       /* +-0, +Inf, NaN: x */
	y = HN__SEL((x > 0.0) & (x < HN__INF), y, special);
	return HN__SEL(HN__ISNAN(x), x, y);
}

/* float versions: computed in double, rounded once (but hn_tanhf). A NaN argument is
 * returned unchanged by a select on its bits: a float -> double -> float
 * round trip would quiet a signaling NaN with some compilers only. */

#define HN__SELF(c, a, b) (((union hn__u32){ .u = \
	(((union hn__u32){ .f = (a) }).u & (0 - (unsigned int)(c))) \
	| (((union hn__u32){ .f = (b) }).u & ~(0 - (unsigned int)(c))) }).f)
#define HN__ISNANF(x) ((((union hn__u32){ .f = (x) }).u & 0x7fffffffU) > 0x7f800000U)
#define HN__BITSF(x) (((union hn__u32){ .f = (x) }).u)
#define HN__FLOATU(v) (((union hn__u32){ .u = (v) }).f)
#define HN__FABSF(x) HN__FLOATU(HN__BITSF(x) & 0x7fffffffU)

static inline float hn_expf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_exp((double)x));
}

static inline float hn_expm1f(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_expm1((double)x));
}

static inline float hn_logf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_log((double)x));
}

static inline float hn_log1pf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_log1p((double)x));
}

/* tanhf in float arithmetic: twice the lanes of the double version and
 * a third of its operations. For a = |x| < 0.875, tanh a = a + a z P(z),
 * z = a^2, P a fit of (tanh a - a)/a^3 on [0, 0.875^2] (relative error of
 * the result 2^-30); beyond, tanh a = 1 - 2/(e^2a + 1) with
 * e^2a = 2^k (1 + r + r^2 Q(r)), |r| <= 0.36, Q a fit of
 * (e^r - 1 - r)/r^2 (2^-27), and a clamped at 9.5, where tanh rounds to 1
 * in float. 3.8x faster than the double version rounded (0.46 against
 * 1.77 ns an element, AVX-512); under 1.052 ulp from the exact result
 * (at most 1.051, at 0x1.c1c67ep-1, over every float) and at most 2 ulp
 * from glibc; tests/test_elemfn.c samples them. */
static inline float hn_tanhf(float x)
{
	float a = HN__FABSF(x), z = a * a, p, u, t, k, r, q, e, y;
	unsigned int kb;

	p = -0x1.fa731ap-12f;
	p = 0x1.5ba8d4p-9f + z * p;
	p = -0x1.1110b8p-7f + z * p;
	p = 0x1.637a54p-6f + z * p;
	p = -0x1.b9dab2p-5f + z * p;
	p = 0x1.110faap-3f + z * p;
	p = -0x1.55555p-2f + z * p;
	p = a + a * (z * p);

	u = 2.0f * HN__SELF(a > 9.5f, 9.5f, a);
	t = u * 0x1.715476p+0f + 0x1.8p23f;     /* 0x1.8p23 + k, k = round(u/ln2) */
	kb = HN__BITSF(t);
	k = t - 0x1.8p23f;
	r = (u - k * 0x1.62e4p-1f) - k * 0x1.7f7d1cp-20f;  /* k ln2hi exact */
	q = 0x1.6db796p-10f;
	q = 0x1.12555p-7f + r * q;
	q = 0x1.55545ap-5f + r * q;
	q = 0x1.55546ap-3f + r * q;
	q = 0x1p-1f + r * q;
	e = 1.0f + (r + (r * r) * q);
	e = e * HN__FLOATU((kb - 0x4b400000U + 127U) << 23);   /* 2^k */
	y = 1.0f - 2.0f / (e + 1.0f);

	y = HN__SELF(a < 0.875f, p, y);
	y = HN__FLOATU(HN__BITSF(y) | (HN__BITSF(x) & 0x80000000U));
	return HN__SELF(HN__ISNANF(x), x, y);
}

static inline float hn_sinf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_sin((double)x));
}

static inline float hn_cosf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_cos((double)x));
}

static inline float hn_sqrtf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_sqrt((double)x));
}

static inline float hn_sigmoidf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_sigmoid((double)x));
}

static inline float hn_softplusf(float x)
{
	return HN__SELF(HN__ISNANF(x), x, (float)hn_softplus((double)x));
}

#undef HN__BITS
#undef HN__DOUBLE
#undef HN__MASK
#undef HN__SEL
#undef HN__FABS
#undef HN__ISNAN
#undef HN__INF
#undef HN__NAN
#undef HN__SELF
#undef HN__ISNANF
#undef HN__BITSF
#undef HN__FLOATU
#undef HN__FABSF

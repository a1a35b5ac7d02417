/* Scalar special functions behind the elementwise ops erfinv, lgamma,
 * digamma and polygamma (lib/ops/unary.c). All compute in double; the
 * float32 loops round the result. Private to lutorch. */
#ifndef LUTORCH_OPS_SPECIAL_H
#define LUTORCH_OPS_SPECIAL_H

/* the inverse of erf on [-1, 1]: ±inf at ±1, NaN outside */
double lt_sf_erfinv(double x);
/* log|Γ(x)|, thread-safe (C's lgamma writes the global signgam) */
double lt_sf_lgamma(double x);
float lt_sf_lgammaf(float x);
/* ψ(x) = Γ'(x)/Γ(x): -inf at +0 (+inf at -0), NaN at negative integers */
double lt_sf_digamma(double x);
/* ψ^(n)(x), n a whole number >= 0 (else NaN); at the poles x = 0, -1, ...
 * +inf for odd n, NaN for even n (the two sides disagree); for x < 0, n is
 * at most LT_SF_POLYGAMMA_NMAX (NaN beyond: n! overflows anyway) */
#define LT_SF_POLYGAMMA_NMAX 170 /* = LT_SF_NMAX of special_impl.h */
double lt_sf_polygamma(double n, double x);

#endif

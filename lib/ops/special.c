/* Scalar special functions: erfinv, thread-safe lgamma, digamma and
 * polygamma, in double precision (about 1e-15 relative away from zeros
 * of the functions, see docs/tensor/special.md).
 *
 * erfinv: a closed-form first guess (Winitzki's, ~2e-3 relative), then
 * Halley steps on erf(y) = x; above 0.5 the residual is taken as
 * (1 - x) - erfc(y), where 1 - x is exact, so x near ±1 keeps its digits.
 *
 * digamma and polygamma: special_impl.h, shared with the GPU.
 */
#define _DEFAULT_SOURCE /* lgamma_r */
#include "special.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double lt_sf_erfinv(double x) {
  if (!(x >= -1 && x <= 1)) return NAN;
  if (x == 1) return INFINITY;
  if (x == -1) return -INFINITY;
  if (x == 0) return x; /* keeps -0 */
  double a = fabs(x);
  /* Winitzki: erfinv(a) ~ sqrt(sqrt(t² - l/k) - t), t = 2/(πk) + l/2, l = log(1 - a²) */
  const double k = 0.147;
  double l = log((1 - a) * (1 + a));
  double t = 2 / (M_PI * k) + l / 2;
  double y = sqrt(sqrt(t * t - l / k) - t);
  for (int i = 0; i < 4; i++) {
    double r = a < 0.5 ? erf(y) - a : (1 - a) - erfc(y);
    double u = r / (M_2_SQRTPI * exp(-y * y)); /* Newton's step r/f' */
    y -= u / (1 + y * u);                       /* Halley: f''/f' = -2y */
    if (fabs(u) <= 1e-17 * y) break;
  }
  return x < 0 ? -y : y;
}

double lt_sf_lgamma(double x) {
#ifdef __GLIBC__
  int sign;
  return lgamma_r(x, &sign);
#else
  return lgamma(x);
#endif
}

float lt_sf_lgammaf(float x) {
#ifdef __GLIBC__
  int sign;
  return lgammaf_r(x, &sign);
#else
  return lgammaf(x);
#endif
}

#define LT_SF_FN static inline
#define LT_SF_TABLE static const
#include "special_impl.h"

double lt_sf_digamma(double x) { return lt_sf_digamma_impl(x); }
double lt_sf_polygamma(double n, double x) { return lt_sf_polygamma_impl(n, x); }

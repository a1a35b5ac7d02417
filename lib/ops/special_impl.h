/* digamma and polygamma in double precision, written once for the CPU
 * (lib/ops/special.c) and the GPU (cuda/kernels/ops.cuh): the includer
 * defines LT_SF_FN (the function qualifiers) and LT_SF_TABLE (those of a
 * constant table inside a function) first. No recursion, so device code
 * needs no call stack.
 *
 * digamma: reflection for x < 0, the recurrence ψ(x) = ψ(x+1) - 1/x up to
 * x >= 10, then the asymptotic series in 1/x². Near the positive root
 * x0 = 1.46163... the recurrence would leave only an absolute precision,
 * so there a Taylor series about x0 (coefficients (-1)^(k+1) ζ(k+1, x0),
 * computed once with mpmath) keeps the relative one.
 *
 * polygamma, n >= 1: ψ^(n)(x) = (-1)^(n+1) n! ζ(n+1, x), the Hurwitz zeta
 * by direct sum up to w = x + N >= n + 21, then Euler-Maclaurin with 12
 * Bernoulli terms (each under 1/30 of the last there). For x < 0 the
 * reflection ψ^(n)(x) = (-1)^n ψ^(n)(1-x) - π dⁿ/dxⁿ cot(πx), the
 * derivative being πⁿ P_n(cot πx), P_0(c) = c, P_{k+1}(c) = -(1+c²) P_k'(c). */
#ifndef LUTORCH_OPS_SPECIAL_IMPL_H
#define LUTORCH_OPS_SPECIAL_IMPL_H

#define LT_SF_PI 3.14159265358979323846
#define LT_SF_NMAX 170 /* the largest n at x < 0 (n! overflows beyond) */

/* cot(πx) through r = x - round(x) in [-1/2, 1/2], which is exact; cos(πa)
 * near a = 1/2 as sin(π(1/2 - a)), so cot(π/2) is 0, not 6e-17 */
LT_SF_FN double lt_sf_cotpi(double x) {
  double r = x - round(x), a = fabs(r);
  double c = a < 0.25 ? cos(LT_SF_PI * a) : sin(LT_SF_PI * (0.5 - a));
  return c / sin(LT_SF_PI * r);
}

LT_SF_FN double lt_sf_digamma_pos(double x) { /* x > 0 */
  /* the positive root of ψ as hi + lo, and the Taylor coefficients about it */
  const double root_hi = 1.4616321449683622, root_lo = 9.549995429965697e-17;
  LT_SF_TABLE double taylor[22] = {
      0.9676722454476212,     -0.4427631689835921,    0.258499760955651,
      -0.16394270544240652,   0.10782405069126237,    -0.07219956125645471,
      0.04880428816414311,    -0.03316112647484736,   0.022597648232218104,
      -0.01542476590494896,   0.010538791616612175,   -0.007204534386356869,
      0.004926781395729853,   -0.003369801655439328,  0.002305126326734928,
      -0.0015769367714301972, 0.0010788252019162967,  -0.0007380709389960052,
      0.000504953265834602,   -0.0003454680251063077, 0.00023635601564027053,
      -0.00016170622091974803};
  double h = (x - root_hi) - root_lo;
  if (fabs(h) < 0.25) {
    double s = 0;
    for (int k = 21; k >= 0; k--) s = (s + taylor[k]) * h;
    return s;
  }
  double acc = 0;
  for (; x < 10; x += 1) acc -= 1 / x;
  /* ψ(x) ~ log x - 1/(2x) - Σ B_2k / (2k x^2k); the next term is < 1e-17 at x = 10 */
  double z = 1 / (x * x);
  double tail = z * (1.0 / 12 + z * (-1.0 / 120 + z * (1.0 / 252 + z * (-1.0 / 240 +
                z * (1.0 / 132 + z * (-691.0 / 32760 + z / 12))))));
  return acc + log(x) - 0.5 / x - tail;
}

LT_SF_FN double lt_sf_digamma_impl(double x) {
  if (x != x || x == -INFINITY) return NAN;
  if (x == INFINITY) return x;
  if (x == 0) return signbit(x) ? INFINITY : -INFINITY;
  if (x > 0) return lt_sf_digamma_pos(x);
  if (x == floor(x)) return NAN;
  return lt_sf_digamma_pos(1 - x) - LT_SF_PI * lt_sf_cotpi(x);
}

/* ψ^(n)(x) for a whole n >= 1 and x > 0 */
LT_SF_FN double lt_sf_polygamma_pos(double n, double x) {
  LT_SF_TABLE double bern[12] = { /* B_2j / (2j)!, j = 1..12 */
      0.08333333333333333,    -0.001388888888888889,   3.306878306878307e-05,
      -8.267195767195768e-07, 2.08767569878681e-08,    -5.284190138687493e-10,
      1.3382536530684679e-11, -3.3896802963225827e-13, 8.586062056277845e-15,
      -2.174868698558062e-16, 5.5090028283602295e-18,  -1.3954464685812522e-19};
  double s = n + 1, sum = 0, w = x;
  for (; w < s + 21; w += 1) sum += pow(w, -s);
  double wp = pow(w, -s);
  sum += pow(w, 1 - s) / (s - 1) + wp / 2;
  double t = s * wp / w; /* s (s+1) ... (s+2j) w^(-s-2j-1) */
  for (int j = 0; j < 12; j++) {
    sum += bern[j] * t;
    t *= (s + 2 * j + 1) * (s + 2 * j + 2) / (w * w);
  }
  double fact = 1;
  for (double k = 2; k <= n; k += 1) fact *= k;
  return fmod(n, 2.0) == 1 ? fact * sum : -fact * sum;
}

LT_SF_FN double lt_sf_polygamma_impl(double n, double x) {
  if (!(n >= 0) || n != floor(n) || x != x) return NAN;
  if (n == 0) return lt_sf_digamma_impl(x);
  int odd = fmod(n, 2.0) == 1;
  if (x == INFINITY) return odd ? 0.0 : -0.0;
  if (x == -INFINITY) return NAN;
  if (x <= 0 && x == floor(x)) return odd ? INFINITY : NAN;
  if (x > 0) return lt_sf_polygamma_pos(n, x);
  if (n > LT_SF_NMAX) return NAN;
  int m = (int)n;
  double p[LT_SF_NMAX + 2], d[LT_SF_NMAX + 2];
  p[0] = 0;
  p[1] = 1;
  for (int k = 0; k < m; k++) { /* P_{k+1} = -(1+c²) P_k': degree k+1 -> k+2 */
    for (int i = 0; i <= k; i++) d[i] = (i + 1) * p[i + 1];
    for (int i = 0; i <= k + 2; i++) p[i] = -((i <= k ? d[i] : 0) + (i >= 2 ? d[i - 2] : 0));
  }
  double c = lt_sf_cotpi(x), v = 0;
  for (int i = m + 1; i >= 0; i--) v = v * c + p[i];
  double refl = lt_sf_polygamma_pos(n, 1 - x);
  return (odd ? -refl : refl) - pow(LT_SF_PI, n + 1) * v;
}

#endif

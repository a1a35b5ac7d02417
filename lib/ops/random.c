/* Random fills and sampling on the CPU.
 *
 * Every fill reserves numel counters from the generator and element i
 * (row-major) is a function of counter offset + i alone (random.h), so the
 * work splits over threads in any way with the same result. A chunk makes
 * its values into a small buffer of doubles (or int64 for integer ranges,
 * which doubles cannot hold beyond 2^53), then stores them in the tensor's
 * dtype. Non-contiguous tensors are filled through a contiguous temporary. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/op.h"
#include "lutorch/parallel.h"
#include "lutorch/random.h"

#define BLOCK 256
#define GRAIN 4096

typedef enum {
  D_UNIFORM, D_NORMAL, D_EXPONENTIAL, D_CAUCHY, D_LOGNORMAL,
  D_BERNOULLI, D_BERNOULLI_T, D_GEOMETRIC, D_RANDOM
} dist;

typedef struct {
  dist d;
  double p0, p1;
  uint64_t lo, range; /* D_RANDOM: values lo + [0, range); range 0 means 2^64 */
  const double *probs; /* D_BERNOULLI_T: one probability per element */
  uint64_t seed, offset;
  lt_dtype dtype;
  char *out;
} fill_ctx;


/* lo + (a uniform integer below range), by a 64x64->128 multiply: the bias
 * is at most range / 2^64. */
static uint64_t below(uint64_t x, uint64_t range) {
  return range ? (uint64_t)(((unsigned __int128)x * range) >> 64) : x;
}

static void make_values(const fill_ctx *c, int64_t i0, int64_t n, double *v, int64_t *iv) {
  uint32_t r[4];
  bool f32 = c->dtype == LT_FLOAT32;
  for (int64_t j = 0; j < n; j++) {
    lt_rng_block(c->seed, c->offset + (uint64_t)(i0 + j), r);
    switch (c->d) {
    case D_UNIFORM: {
      double x = c->p0 + (c->p1 - c->p0) * (f32 ? lt_rng_u24(r) : lt_rng_u53(r));
      if (f32) { /* rounding to float must not reach b */
        float xf = (float)x;
        if (xf >= (float)c->p1 && c->p0 < c->p1) xf = nextafterf((float)c->p1, -INFINITY);
        x = xf < (float)c->p0 ? (float)c->p0 : xf;
      } else if (x >= c->p1 && c->p0 < c->p1) {
        x = nextafter(c->p1, -INFINITY);
      }
      v[j] = x;
      break;
    }
    case D_NORMAL:
    case D_LOGNORMAL: { /* Box-Muller on two 53-bit uniforms; 1 - u is in (0, 1] */
      double z = sqrt(-2.0 * log(1.0 - lt_rng_u53(r))) * cos(2.0 * M_PI * lt_rng_u53(r + 2));
      v[j] = c->d == D_NORMAL ? c->p0 + c->p1 * z : exp(c->p0 + c->p1 * z);
      break;
    }
    case D_EXPONENTIAL: v[j] = -log(1.0 - lt_rng_u53(r)) / c->p0; break;
    case D_CAUCHY: v[j] = c->p0 + c->p1 * tan(M_PI * (lt_rng_u53(r) - 0.5)); break;
    case D_BERNOULLI: v[j] = lt_rng_u53(r) < c->p0; break;
    case D_BERNOULLI_T: v[j] = lt_rng_u53(r) < c->probs[i0 + j]; break;
    case D_GEOMETRIC: {
      double k = c->p0 >= 1 ? 1 : ceil(log(1.0 - lt_rng_u53(r)) / log1p(-c->p0));
      v[j] = k < 1 ? 1 : k;
      break;
    }
    case D_RANDOM: iv[j] = (int64_t)(c->lo + below(lt_rng_bits64(r), c->range)); break;
    }
  }
}

/* double -> integer type with saturation (geometric can exceed a byte) */
#define SAT(T, LO, HI, x) ((x) <= (double)(LO) ? (T)(LO) : (x) >= (double)(HI) ? (T)(HI) : (T)(x))

static void store(const fill_ctx *c, int64_t i0, int64_t n, const double *v, const int64_t *iv) {
  char *base = c->out + i0 * (int64_t)lt_dtype_size(c->dtype);
  bool ints = c->d == D_RANDOM;
#define LOOP(T, FROM_D, FROM_I)                                        \
  do {                                                                 \
    T *o = (T *)base;                                                  \
    if (ints) for (int64_t j = 0; j < n; j++) o[j] = FROM_I(iv[j]);    \
    else for (int64_t j = 0; j < n; j++) o[j] = FROM_D(v[j]);          \
  } while (0)
  switch (c->dtype) {
  case LT_FLOAT32: LOOP(float, (float), (float)); break;
  case LT_FLOAT64: LOOP(double, (double), (double)); break;
  case LT_INT64:
#define SD64(x) SAT(int64_t, INT64_MIN, 0x1p63 - 1024, x)
    LOOP(int64_t, SD64, (int64_t)); break;
  case LT_INT32:
#define SD32(x) SAT(int32_t, INT32_MIN, INT32_MAX, x)
    LOOP(int32_t, SD32, (int32_t)); break;
  case LT_INT16:
#define SD16(x) SAT(int16_t, INT16_MIN, INT16_MAX, x)
    LOOP(int16_t, SD16, (int16_t)); break;
  case LT_INT8:
#define SD8(x) SAT(int8_t, INT8_MIN, INT8_MAX, x)
    LOOP(int8_t, SD8, (int8_t)); break;
  case LT_UINT8:
#define SDU8(x) SAT(uint8_t, 0, UINT8_MAX, x)
    LOOP(uint8_t, SDU8, (uint8_t)); break;
  case LT_BOOL:
#define NZ(x) ((x) != 0)
    LOOP(bool, NZ, NZ); break;
  default: /* float16, bfloat16 */
    for (int64_t j = 0; j < n; j++)
      lt_dtype_store(c->dtype, base + j * (int64_t)lt_dtype_size(c->dtype),
                     ints ? (double)iv[j] : v[j]);
  }
#undef LOOP
}

static void fill_chunk(int64_t b, int64_t e, void *p) {
  const fill_ctx *c = p;
  double v[BLOCK];
  int64_t iv[BLOCK];
  for (int64_t i = b; i < e; i += BLOCK) {
    int64_t n = e - i < BLOCK ? e - i : BLOCK;
    make_values(c, i, n, v, iv);
    store(c, i, n, v, iv);
  }
}

static int fill(const char *fn, lt_tensor *t, lt_generator *g, fill_ctx *c) {
  if (lt_device_any1(t)) return lt_device_random_fill(fn, t, g, (int)c->d /* LT_DEV_RAND_* order */, c->p0, c->p1, c->lo, c->range, NULL);
  int64_t n = lt_tensor_numel(t);
  if (n == 0) return 0;
  bool direct = lt_tensor_is_contiguous(t);
  lt_tensor *dst = direct ? t : lt_tensor_empty(t->dtype, t->ndim, t->size);
  if (!dst) return -1;
  c->dtype = t->dtype;
  c->out = lt_tensor_data(dst);
  c->offset = lt_generator_reserve(g, (uint64_t)n, &c->seed);
  lt_parallel_for(n, GRAIN, fill_chunk, c);
  int rc = 0;
  if (direct)
    lt_tensor_bump_version(t);
  else {
    rc = lt_copy_(t, dst);
    lt_tensor_release(dst);
  }
  return rc;
}

static int need_float(const char *fn, const lt_tensor *t) {
  if (lt_dtype_is_float(t->dtype)) return 0;
  return lt_errorf("%s: expected a floating-point tensor, got %s", fn, lt_dtype_name(t->dtype));
}

static int real_only(const char *fn, const lt_tensor *t) {
  return t->dtype == LT_BOOL ? lt_errorf("%s: not defined for bool tensors", fn) : 0;
}

int lt_uniform_(lt_tensor *t, lt_generator *g, double a, double b) {
  if (need_float("uniform", t)) return -1;
  if (!isfinite(a) || !isfinite(b)) return lt_errorf("uniform: bounds must be finite, got [%g, %g)", a, b);
  if (a > b) return lt_errorf("uniform: expected a <= b, got a = %g, b = %g", a, b);
  fill_ctx c = {.d = D_UNIFORM, .p0 = a, .p1 = b};
  return fill("uniform", t, g, &c);
}

int lt_normal_(lt_tensor *t, lt_generator *g, double mean, double std) {
  if (need_float("normal", t)) return -1;
  if (!(std >= 0) || !isfinite(std) || !isfinite(mean))
    return lt_errorf("normal: expected a finite mean and std >= 0, got mean = %g, std = %g", mean, std);
  fill_ctx c = {.d = D_NORMAL, .p0 = mean, .p1 = std};
  return fill("normal", t, g, &c);
}

int lt_log_normal_(lt_tensor *t, lt_generator *g, double mean, double std) {
  if (need_float("logNormal", t)) return -1;
  if (!(std > 0) || !isfinite(std) || !isfinite(mean))
    return lt_errorf("logNormal: expected a finite mean and std > 0, got mean = %g, std = %g", mean, std);
  fill_ctx c = {.d = D_LOGNORMAL, .p0 = mean, .p1 = std};
  return fill("logNormal", t, g, &c);
}

int lt_exponential_(lt_tensor *t, lt_generator *g, double lambda) {
  if (need_float("exponential", t)) return -1;
  if (!(lambda > 0) || !isfinite(lambda))
    return lt_errorf("exponential: expected lambda > 0, got %g", lambda);
  fill_ctx c = {.d = D_EXPONENTIAL, .p0 = lambda};
  return fill("exponential", t, g, &c);
}

int lt_cauchy_(lt_tensor *t, lt_generator *g, double median, double sigma) {
  if (need_float("cauchy", t)) return -1;
  if (!(sigma > 0) || !isfinite(sigma) || !isfinite(median))
    return lt_errorf("cauchy: expected a finite median and sigma > 0, got median = %g, sigma = %g",
                     median, sigma);
  fill_ctx c = {.d = D_CAUCHY, .p0 = median, .p1 = sigma};
  return fill("cauchy", t, g, &c);
}

int lt_bernoulli_(lt_tensor *t, lt_generator *g, double p) {
  if (!(p >= 0 && p <= 1)) return lt_errorf("bernoulli: expected a probability in [0, 1], got %g", p);
  fill_ctx c = {.d = D_BERNOULLI, .p0 = p};
  return fill("bernoulli", t, g, &c);
}

int lt_bernoulli_tensor_(lt_tensor *t, lt_generator *g, const lt_tensor *p) {
  if (lt_device_any(t, 1, (lt_tensor *[]){(lt_tensor *)p})) return lt_device_random_fill("bernoulli", t, g, LT_DEV_RAND_BERNOULLI_T, 0, 0, 0, 0, p);
  int nd;
  int64_t shape[LT_MAX_DIMS];
  char a[128], b[128];
  if (lt_broadcast_shape("bernoulli", t->ndim, t->size, p->ndim, p->size, &nd, shape)) return -1;
  if (nd != t->ndim || memcmp(shape, t->size, sizeof(int64_t) * (size_t)nd))
    return lt_errorf("bernoulli: probabilities of size %s do not broadcast to the size %s of the result",
                     lt_shape_str(p->ndim, p->size, a, 128), lt_shape_str(t->ndim, t->size, b, 128));
  lt_tensor *e = lt_expand(p, t->ndim, t->size);
  lt_tensor *d = e ? lt_to_dtype(e, LT_FLOAT64) : NULL;
  lt_tensor *pc = d ? lt_contiguous(d) : NULL;
  lt_tensor_release(e);
  lt_tensor_release(d);
  if (!pc) return -1;
  const double *pr = lt_tensor_data(pc);
  int64_t n = lt_tensor_numel(pc);
  for (int64_t i = 0; i < n; i++)
    if (!(pr[i] >= 0 && pr[i] <= 1)) {
      lt_tensor_release(pc);
      return lt_errorf("bernoulli: probabilities must be in [0, 1], got %g at element %lld", pr[i],
                       (long long)i + 1);
    }
  fill_ctx c = {.d = D_BERNOULLI_T, .probs = pr};
  int rc = fill("bernoulli", t, g, &c);
  lt_tensor_release(pc);
  return rc;
}

int lt_geometric_(lt_tensor *t, lt_generator *g, double p) {
  if (real_only("geometric", t)) return -1;
  if (!(p > 0 && p <= 1)) return lt_errorf("geometric: expected a probability in (0, 1], got %g", p);
  fill_ctx c = {.d = D_GEOMETRIC, .p0 = p};
  return fill("geometric", t, g, &c);
}

/* The integers a dtype holds exactly: [*lo, *hi]. */
static void exact_range(lt_dtype d, int64_t *lo, int64_t *hi) {
  switch (d) {
  case LT_FLOAT32: *hi = 1LL << 24; break;
  case LT_FLOAT64: *hi = 1LL << 53; break;
  case LT_FLOAT16: *hi = 1LL << 11; break;
  case LT_BFLOAT16: *hi = 1LL << 8; break;
  case LT_INT64: *lo = INT64_MIN, *hi = INT64_MAX; return;
  case LT_INT32: *lo = INT32_MIN, *hi = INT32_MAX; return;
  case LT_INT16: *lo = INT16_MIN, *hi = INT16_MAX; return;
  case LT_INT8: *lo = INT8_MIN, *hi = INT8_MAX; return;
  case LT_UINT8: *lo = 0, *hi = UINT8_MAX; return;
  default: *lo = 0, *hi = 1; return; /* bool */
  }
  *lo = -*hi;
}

int lt_random_(lt_tensor *t, lt_generator *g, int64_t a, int64_t b) {
  if (a > b) return lt_errorf("random: expected a <= b, got a = %lld, b = %lld", (long long)a, (long long)b);
  int64_t lo, hi;
  exact_range(t->dtype, &lo, &hi);
  if (a < lo || b > hi)
    return lt_errorf("random: range [%lld, %lld] does not fit in %s (which holds [%lld, %lld])",
                     (long long)a, (long long)b, lt_dtype_name(t->dtype), (long long)lo, (long long)hi);
  fill_ctx c = {.d = D_RANDOM, .lo = (uint64_t)a, .range = (uint64_t)b - (uint64_t)a + 1};
  return fill("random", t, g, &c);
}

int lt_random_full_(lt_tensor *t, lt_generator *g) {
  int64_t lo, hi;
  exact_range(t->dtype, &lo, &hi);
  return lt_random_(t, g, 0, hi);
}

/* ---- randperm: Fisher-Yates, serial (n counters, one per swap) ---- */

lt_tensor *lt_randperm(lt_generator *g, int64_t n, lt_dtype dtype) {
  if (n < 0) return lt_error("randperm: expected n >= 0, got %lld", (long long)n);
  int64_t lo, hi;
  exact_range(dtype, &lo, &hi);
  if (dtype == LT_BOOL || n > hi)
    return lt_error("randperm: %s cannot hold the values 1..%lld", lt_dtype_name(dtype), (long long)n);
  lt_tensor *p = lt_tensor_empty(LT_INT64, 1, &n);
  if (!p) return NULL;
  int64_t *v = lt_tensor_data(p);
  for (int64_t i = 0; i < n; i++) v[i] = i;
  uint64_t seed, off = lt_generator_reserve(g, (uint64_t)n, &seed);
  uint32_t r[4];
  for (int64_t i = n - 1; i > 0; i--) {
    lt_rng_block(seed, off + (uint64_t)(n - 1 - i), r);
    int64_t j = (int64_t)below(lt_rng_bits64(r), (uint64_t)i + 1), tmp = v[i];
    v[i] = v[j];
    v[j] = tmp;
  }
  lt_tensor *r2 = lt_to_dtype(p, dtype);
  lt_tensor_release(p);
  return r2;
}

/* ---- multinomial ----
 * With replacement: sample (row, s) takes counter row * n + s and inverts the
 * row's cumulative sums. Without: category (row, i) takes counter row * k + i
 * for an exponential E_i; the n smallest E_i / p_i are a draw without
 * replacement in drawing order (Efraimidis-Spirakis), and every row is
 * independent of the others, so rows run in parallel. */

typedef struct {
  const double *p; /* rows x k, validated */
  int64_t k, n;
  bool replace;
  uint64_t seed, offset;
  int64_t *out;
  int failed;
} multi_ctx;

typedef struct {
  double key;
  int64_t idx;
} keyed;

static int by_key(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void multi_rows(int64_t b, int64_t e, void *arg) {
  multi_ctx *c = arg;
  int64_t k = c->k, n = c->n;
  double *cdf = c->replace ? malloc(sizeof(double) * (size_t)k) : NULL;
  keyed *keys = c->replace ? NULL : malloc(sizeof(keyed) * (size_t)k);
  if (!cdf && !keys) {
    c->failed = 1;
    return;
  }
  uint32_t r[4];
  for (int64_t row = b; row < e; row++) {
    const double *p = c->p + row * k;
    int64_t *out = c->out + row * n;
    if (c->replace) {
      double s = 0;
      int64_t last = 0;
      for (int64_t i = 0; i < k; i++) {
        s += p[i];
        cdf[i] = s;
        if (p[i] > 0) last = i;
      }
      for (int64_t j = 0; j < n; j++) {
        lt_rng_block(c->seed, c->offset + (uint64_t)(row * n + j), r);
        double u = lt_rng_u53(r) * s;
        int64_t lo = 0, hi = k - 1; /* first i with cdf[i] > u */
        while (lo < hi) {
          int64_t mid = lo + (hi - lo) / 2;
          if (cdf[mid] > u) hi = mid;
          else lo = mid + 1;
        }
        out[j] = lo > last ? last : lo;
      }
    } else {
      for (int64_t i = 0; i < k; i++) {
        lt_rng_block(c->seed, c->offset + (uint64_t)(row * k + i), r);
        keys[i].key = p[i] > 0 ? -log(1.0 - lt_rng_u53(r)) / p[i] : INFINITY;
        keys[i].idx = i;
      }
      qsort(keys, (size_t)k, sizeof *keys, by_key);
      for (int64_t j = 0; j < n; j++) out[j] = keys[j].idx;
    }
  }
  free(cdf);
  free(keys);
}

lt_tensor *lt_multinomial(lt_generator *g, const lt_tensor *probs, int64_t n, bool replacement) {
  if (probs->ndim != 1 && probs->ndim != 2)
    return lt_error("multinomial: expected a 1-D or 2-D tensor of probabilities, got %d-D", probs->ndim);
  if (probs->dtype == LT_BOOL) return lt_error("multinomial: probabilities must be numbers, got a bool tensor");
  int64_t k = probs->size[probs->ndim - 1], rows = probs->ndim == 2 ? probs->size[0] : 1;
  if (k == 0) return lt_error("multinomial: no categories (the probability tensor is empty)");
  if (n < 1) return lt_error("multinomial: number of samples must be >= 1, got %lld", (long long)n);
  if (!replacement && n > k)
    return lt_error("multinomial: cannot draw %lld samples without replacement from %lld categories",
                    (long long)n, (long long)k);
  /* device probabilities: the same algorithms and counters on the GPU,
   * which checks the values there */
  if (lt_device_any1(probs)) return lt_device_multinomial(probs, n, replacement, g);
  lt_tensor *d = lt_to_dtype(probs, LT_FLOAT64);
  lt_tensor *pc = d ? lt_contiguous(d) : NULL;
  lt_tensor_release(d);
  if (!pc) return NULL;
  const double *p = lt_tensor_data(pc);
  for (int64_t row = 0; row < rows; row++) {
    double s = 0;
    int64_t nz = 0;
    for (int64_t i = 0; i < k; i++) {
      double x = p[row * k + i];
      if (!(x >= 0) || !isfinite(x)) {
        lt_tensor_release(pc);
        return lt_error("multinomial: probabilities must be finite and >= 0, got %g (row %lld, "
                        "category %lld)", x, (long long)row + 1, (long long)i + 1);
      }
      s += x;
      nz += x > 0;
    }
    if (nz == 0) {
      lt_tensor_release(pc);
      return lt_error("multinomial: row %lld sums to zero", (long long)row + 1);
    }
    if (!replacement && nz < n) {
      lt_tensor_release(pc);
      return lt_error("multinomial: cannot draw %lld samples without replacement: row %lld has "
                      "only %lld non-zero probabilities", (long long)n, (long long)row + 1, (long long)nz);
    }
    if (!isfinite(s)) {
      lt_tensor_release(pc);
      return lt_error("multinomial: row %lld sums to infinity", (long long)row + 1);
    }
  }
  int64_t shape[2] = {rows, n};
  lt_tensor *out = probs->ndim == 2 ? lt_tensor_empty(LT_INT64, 2, shape)
                                    : lt_tensor_empty(LT_INT64, 1, &n);
  if (!out) {
    lt_tensor_release(pc);
    return NULL;
  }
  multi_ctx c = {.p = p, .k = k, .n = n, .replace = replacement, .out = lt_tensor_data(out)};
  c.offset = lt_generator_reserve(g, (uint64_t)(rows * (replacement ? n : k)), &c.seed);
  int64_t work = replacement ? n + k : k * 8, grain = GRAIN / (work ? work : 1);
  lt_parallel_for(rows, grain < 1 ? 1 : grain, multi_rows, &c);
  lt_tensor_release(pc);
  if (c.failed) {
    lt_tensor_release(out);
    return lt_error("multinomial: out of memory");
  }
  return out;
}

/* ---- op table: the random ops are never differentiable ---- */
#define RANDOM_OP(id, nm, np) static const lt_opdef id = {nm, LT_KIND_OTHER, LT_OPF_NONDIFF, np, {0}, NULL};
RANDOM_OP(op_uniform, "uniform", 2)
RANDOM_OP(op_normal, "normal", 2)
RANDOM_OP(op_exponential, "exponential", 1)
RANDOM_OP(op_cauchy, "cauchy", 2)
RANDOM_OP(op_log_normal, "logNormal", 2)
RANDOM_OP(op_bernoulli, "bernoulli", 1)
RANDOM_OP(op_geometric, "geometric", 1)
RANDOM_OP(op_random, "random", 2)
RANDOM_OP(op_randperm, "randperm", 1)
RANDOM_OP(op_multinomial, "multinomial", 2)

const lt_opdef *const lt_ops_random[] = {
    &op_uniform, &op_normal,   &op_exponential, &op_cauchy,   &op_log_normal, &op_bernoulli,
    &op_geometric, &op_random, &op_randperm,    &op_multinomial, NULL};

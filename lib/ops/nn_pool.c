/* 2-D pooling: max (with indices), average, adaptive max/average, and
 * max-unpooling, forward and backward. Each (sample, channel) plane is
 * independent: the work is split over planes with lt_parallel_for.
 *
 * Indices are flat positions h·W + w in the input plane counted from
 * `base` (0 in C, 1 from Lua as Torch7 stored them). A max backward is an
 * unpooling of the gradient: it scatters (adding, so that overlapping
 * windows that share a maximum get both contributions).
 *
 * Every public kernel checks its arguments, then hands device tensors to
 * the backend (NN_ON_DEVICE, nn_util.h); the index range checks read data
 * and so run in the backend for device tensors. */
#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "nn_util.h"

/* (N,) C, H, W: planes P = N·C of H·W. */
typedef struct plane_shape {
  bool batched;
  int64_t N, C, H, W;
} plane_shape;

static int planes_of(const char *fn, const lt_tensor *t, plane_shape *s) {
  if (nn_check_float(fn, "input", t)) return -1;
  if (t->ndim != 3 && t->ndim != 4) {
    char a[96];
    return lt_errorf("%s: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got size %s", fn,
                     lt_shape_str(t->ndim, t->size, a, 96));
  }
  s->batched = t->ndim == 4;
  s->N = s->batched ? t->size[0] : 1;
  s->C = t->size[t->ndim - 3];
  s->H = t->size[t->ndim - 2];
  s->W = t->size[t->ndim - 1];
  if (s->H < 1 || s->W < 1) return lt_errorf("%s: input has an empty plane", fn);
  return 0;
}

static int shape_with(const plane_shape *s, int64_t oh, int64_t ow, int64_t *size) {
  int n = 0;
  if (s->batched) size[n++] = s->N;
  size[n++] = s->C;
  size[n++] = oh;
  size[n++] = ow;
  return n;
}

/* PyTorch's pooling output size, with ceil mode's rule that the last
 * window must start inside the input or the left padding. */
static int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + p) o--;
  return o;
}

typedef struct pool_args {
  const char *fn;
  int64_t k[2], s[2], p[2], d[2];
  int64_t oh, ow;
} pool_args;

static int pool_setup(const char *fn, const plane_shape *ps, const int64_t *kernel,
                      const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                      bool ceil_mode, pool_args *a) {
  a->fn = fn;
  if (!kernel) return lt_errorf("%s: kernel size is missing", fn);
  for (int i = 0; i < 2; i++) {
    a->k[i] = kernel[i];
    a->s[i] = stride ? stride[i] : kernel[i];
    a->p[i] = padding ? padding[i] : 0;
    a->d[i] = dilation ? dilation[i] : 1;
    if (a->k[i] < 1) return lt_errorf("%s: kernel size must be positive, got %lld", fn, (long long)a->k[i]);
    if (a->s[i] < 1) return lt_errorf("%s: stride must be positive, got %lld", fn, (long long)a->s[i]);
    if (a->d[i] < 1) return lt_errorf("%s: dilation must be positive, got %lld", fn, (long long)a->d[i]);
    if (a->p[i] < 0 || 2 * a->p[i] > a->k[i])
      return lt_errorf("%s: padding %lld must be between 0 and half the kernel size %lld", fn,
                       (long long)a->p[i], (long long)a->k[i]);
  }
  a->oh = pool_out(ps->H, a->k[0], a->s[0], a->p[0], a->d[0], ceil_mode);
  a->ow = pool_out(ps->W, a->k[1], a->s[1], a->p[1], a->d[1], ceil_mode);
  if (a->oh < 1 || a->ow < 1)
    return lt_errorf("%s: kernel %lldx%lld (dilated) is bigger than the padded input %lldx%lld", fn,
                     (long long)(a->d[0] * (a->k[0] - 1) + 1), (long long)(a->d[1] * (a->k[1] - 1) + 1),
                     (long long)(ps->H + 2 * a->p[0]), (long long)(ps->W + 2 * a->p[1]));
  return 0;
}

/* ---- max pooling ---- */

typedef struct max_ctx {
  const pool_args *a;
  const plane_shape *ps;
  const void *x;
  void *y;
  int64_t *idx, base;
  int *oom;
} max_ctx;

/* The taps [lo, hi) of a window starting at o whose o + t·d lies in [0, n). */
static inline void taps(int64_t o, int64_t k, int64_t d, int64_t n, int64_t *lo, int64_t *hi) {
  *lo = o < 0 ? (-o + d - 1) / d : 0;
  int64_t h = o >= n ? 0 : (n - 1 - o) / d + 1;
  *hi = h < k ? h : k;
}

/* NaN wins (and stays), as in PyTorch: v != v is the NaN test. The
 * column taps of every output column are computed once per call. */
#define MAX_POOL(S, T)                                                                      \
  static void max_pool_##S(int64_t b, int64_t e, void *vctx) {                              \
    const max_ctx *m = vctx;                                                                \
    const pool_args *a = m->a;                                                              \
    const int64_t H = m->ps->H, W = m->ps->W, OH = a->oh, OW = a->ow;                       \
    const int64_t dh = a->d[0], dw = a->d[1];                                               \
    int64_t *jt = malloc(sizeof(int64_t) * (size_t)(2 * OW));                               \
    if (!jt) { m->oom[0] = 1; return; }                                                     \
    for (int64_t ow = 0; ow < OW; ow++)                                                     \
      taps(ow * a->s[1] - a->p[1], a->k[1], dw, W, &jt[2 * ow], &jt[2 * ow + 1]);           \
    for (int64_t pl = b; pl < e; pl++) {                                                    \
      const T *x = (const T *)m->x + pl * H * W;                                            \
      T *y = (T *)m->y + pl * OH * OW;                                                      \
      int64_t *ix = m->idx + pl * OH * OW;                                                  \
      for (int64_t oh = 0; oh < OH; oh++) {                                                 \
        int64_t h0 = oh * a->s[0] - a->p[0], i0, i1;                                        \
        taps(h0, a->k[0], dh, H, &i0, &i1);                                                 \
        for (int64_t ow = 0; ow < OW; ow++) {                                               \
          int64_t w0 = ow * a->s[1] - a->p[1], j0 = jt[2 * ow], j1 = jt[2 * ow + 1];        \
          int64_t bi = i0 < i1 && j0 < j1 ? (h0 + i0 * dh) * W + w0 + j0 * dw : 0;          \
          T best = i0 < i1 && j0 < j1 ? x[bi] : -INFINITY;                                  \
          for (int64_t i = i0; i < i1 && best == best; i++) {                               \
            int64_t r = (h0 + i * dh) * W + w0;                                             \
            for (int64_t j = j0; j < j1; j++) {                                             \
              T v = x[r + j * dw];                                                          \
              if (__builtin_expect(v != v, 0)) {                                            \
                best = v;                                                                   \
                bi = r + j * dw;                                                            \
                break;                                                                      \
              }                                                                             \
              bool gt = v > best; /* branch-free select: maxima are unpredictable */        \
              best = gt ? v : best;                                                         \
              bi = gt ? r + j * dw : bi;                                                    \
            }                                                                               \
          }                                                                                 \
          y[oh * OW + ow] = best;                                                           \
          ix[oh * OW + ow] = bi + m->base;                                                  \
        }                                                                                   \
      }                                                                                     \
    }                                                                                       \
    free(jt);                                                                               \
  }
MAX_POOL(f32, float)
MAX_POOL(f64, double)

/* The common 2x2 window, stride 2, no padding: the first maximum of each
 * (a b / c d) window by a tie-keeping tree of strict comparisons, which
 * picks what the general loop's row-major scan picks. The maxima of real
 * data are unpredictable, so the float32 row runs four windows at a time
 * in SSE2 with mask selects (compilers kept branches in the scalar form).
 * A row with a NaN (its sum is NaN; an inf - inf false alarm is harmless)
 * is redone by the scan, where the first NaN wins. */
static inline int64_t max2x2_scan_f32(const float *r0, const float *r1, int64_t W, float *y) {
  float v[4] = {r0[0], r0[1], r1[0], r1[1]};
  const int64_t off[4] = {0, 1, W, W + 1};
  int k = 0;
  for (int t = 1; t < 4 && v[k] == v[k]; t++)
    if (v[t] != v[t] || v[t] > v[k]) k = t;
  *y = v[k];
  return off[k];
}
static inline int64_t max2x2_scan_f64(const double *r0, const double *r1, int64_t W, double *y) {
  double v[4] = {r0[0], r0[1], r1[0], r1[1]};
  const int64_t off[4] = {0, 1, W, W + 1};
  int k = 0;
  for (int t = 1; t < 4 && v[k] == v[k]; t++)
    if (v[t] != v[t] || v[t] > v[k]) k = t;
  *y = v[k];
  return off[k];
}

/* windows [ow, OW) of one output row, scalar; returns nonzero on a NaN */
#define MAX2X2_TAIL(S, T)                                                                    \
  static int max2x2_tail_##S(const T *r0, const T *r1, int64_t W, int64_t o0, int64_t ow,   \
                             int64_t OW, T *y, int64_t *ix) {                                \
    int nan = 0;                                                                             \
    for (; ow < OW; ow++) {                                                                  \
      const T *a = r0 + 2 * ow, *c = r1 + 2 * ow;                                            \
      nan |= (a[0] + a[1] + c[0] + c[1]) != (a[0] + a[1] + c[0] + c[1]);                     \
      T m1 = a[1] > a[0] ? a[1] : a[0], m2 = c[1] > c[0] ? c[1] : c[0];                      \
      int64_t i1 = a[1] > a[0], i2 = W + (c[1] > c[0]);                                      \
      y[ow] = m2 > m1 ? m2 : m1;                                                             \
      ix[ow] = o0 + 2 * ow + (m2 > m1 ? i2 : i1);                                            \
    }                                                                                        \
    return nan;                                                                              \
  }
MAX2X2_TAIL(f32, float)
MAX2X2_TAIL(f64, double)

#ifdef __SSE2__
static inline __m128 select_ps(__m128 m, __m128 a, __m128 b) {
  return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b));
}
/* the first OW - OW % 4 windows; returns nonzero on a NaN */
static int max2x2_row_f32(const float *r0, const float *r1, int64_t W, int64_t o0, int64_t OW,
                          float *y, int64_t *ix) {
  const __m128i one = _mm_set1_epi32(1), wv = _mm_set1_epi32((int)W), zero = _mm_setzero_si128();
  int nan = 0;
  for (int64_t ow = 0; ow + 4 <= OW; ow += 4) {
    __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), a1 = _mm_loadu_ps(r0 + 2 * ow + 4);
    __m128 c0 = _mm_loadu_ps(r1 + 2 * ow), c1 = _mm_loadu_ps(r1 + 2 * ow + 4);
    __m128 va = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
    __m128 vb = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 vc = _mm_shuffle_ps(c0, c1, _MM_SHUFFLE(2, 0, 2, 0));
    __m128 vd = _mm_shuffle_ps(c0, c1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 sum = _mm_add_ps(_mm_add_ps(va, vb), _mm_add_ps(vc, vd));
    nan |= _mm_movemask_ps(_mm_cmpunord_ps(sum, sum));
    __m128 g1 = _mm_cmpgt_ps(vb, va), g2 = _mm_cmpgt_ps(vd, vc);
    __m128 m1 = select_ps(g1, vb, va), m2 = select_ps(g2, vd, vc);
    __m128 g = _mm_cmpgt_ps(m2, m1);
    _mm_storeu_ps(y + ow, select_ps(g, m2, m1));
    __m128i i1 = _mm_and_si128(_mm_castps_si128(g1), one);
    __m128i i2 = _mm_add_epi32(wv, _mm_and_si128(_mm_castps_si128(g2), one));
    __m128i gi = _mm_castps_si128(g);
    __m128i off = _mm_or_si128(_mm_and_si128(gi, i2), _mm_andnot_si128(gi, i1));
    __m128i base = _mm_set_epi64x(o0 + 2 * ow + 2, o0 + 2 * ow); /* offsets are >= 0 */
    __m128i step = _mm_set1_epi64x(4);
    _mm_storeu_si128((__m128i *)(ix + ow), _mm_add_epi64(base, _mm_unpacklo_epi32(off, zero)));
    _mm_storeu_si128((__m128i *)(ix + ow + 2),
                     _mm_add_epi64(_mm_add_epi64(base, step), _mm_unpackhi_epi32(off, zero)));
  }
  return nan;
}
#define MAX2X2_VEC_f32 1
#endif

#define MAX_POOL_2X2(S, T, VEC)                                                             \
  static void max_pool_2x2_##S(int64_t b, int64_t e, void *vctx) {                          \
    const max_ctx *m = vctx;                                                                \
    const int64_t H = m->ps->H, W = m->ps->W, OH = m->a->oh, OW = m->a->ow;                 \
    for (int64_t pl = b; pl < e; pl++) {                                                    \
      const T *x = (const T *)m->x + pl * H * W;                                            \
      T *y = (T *)m->y + pl * OH * OW;                                                      \
      int64_t *ix = m->idx + pl * OH * OW;                                                  \
      for (int64_t oh = 0; oh < OH; oh++, y += OW, ix += OW) {                              \
        const T *r0 = x + 2 * oh * W, *r1 = r0 + W;                                         \
        const int64_t o0 = 2 * oh * W + m->base;                                            \
        int64_t done = 0;                                                                   \
        int nan = 0;                                                                        \
        if (VEC) {                                                                          \
          nan = MAX2X2_ROW_##S(r0, r1, W, o0, OW, y, ix);                                   \
          done = OW - OW % 4;                                                               \
        }                                                                                   \
        nan |= max2x2_tail_##S(r0, r1, W, o0, done, OW, y, ix);                             \
        if (__builtin_expect(!nan, 1)) continue;                                            \
        for (int64_t ow = 0; ow < OW; ow++)                                                 \
          ix[ow] = o0 + 2 * ow + max2x2_scan_##S(r0 + 2 * ow, r1 + 2 * ow, W, y + ow);      \
      }                                                                                     \
    }                                                                                       \
  }
#ifdef MAX2X2_VEC_f32
#define MAX2X2_ROW_f32 max2x2_row_f32
#else
#define MAX2X2_ROW_f32(...) 0
#endif
#define MAX2X2_ROW_f64(...) 0
#ifdef MAX2X2_VEC_f32
MAX_POOL_2X2(f32, float, 1)
#else
MAX_POOL_2X2(f32, float, 0)
#endif
MAX_POOL_2X2(f64, double, 0)

lt_tensor *lt_max_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                         const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                         int64_t base, lt_tensor **indices) {
  const char *fn = "max_pool2d";
  plane_shape ps = {0};
  pool_args a;
  *indices = NULL;
  if (planes_of(fn, input, &ps) ||
      pool_setup(fn, &ps, kernel, stride, padding, dilation, ceil_mode, &a))
    return NULL;
  NN_ON_DEVICE(NULL, fn, input, max_pool2d, input, kernel, stride, padding, dilation, ceil_mode,
               base, indices);
  int64_t size[4];
  int nd = shape_with(&ps, a.oh, a.ow, size);
  lt_tensor *x = nn_contig(input), *y = NULL, *ix = NULL;
  if (!x || !(y = lt_tensor_empty(input->dtype, nd, size)) ||
      !(ix = lt_tensor_empty(LT_INT64, nd, size)))
    goto fail;
  int oom = 0;
  max_ctx m = {&a, &ps, lt_tensor_data(x), lt_tensor_data(y), lt_tensor_data(ix), base, &oom};
  int64_t P = ps.N * ps.C;
  bool f32 = input->dtype == LT_FLOAT32;
  bool two = a.k[0] == 2 && a.k[1] == 2 && a.s[0] == 2 && a.s[1] == 2 && a.p[0] == 0 &&
             a.p[1] == 0 && a.d[0] == 1 && a.d[1] == 1 && 2 * a.oh <= ps.H && 2 * a.ow <= ps.W;
  lt_range_fn fn_ = two ? (f32 ? max_pool_2x2_f32 : max_pool_2x2_f64)
                        : (f32 ? max_pool_f32 : max_pool_f64);
  lt_parallel_for(P, 1 + LT_GRAIN / (a.oh * a.ow * a.k[0] * a.k[1]), fn_, &m);
  if (oom) {
    lt_errorf("%s: out of memory", fn);
    goto fail;
  }
  lt_tensor_release(x);
  *indices = ix;
  return y;
fail:
  lt_tensor_release(x);
  lt_tensor_release(y);
  lt_tensor_release(ix);
  return NULL;
}

/* ---- scatter / gather by indices (max backward, unpooling) ---- */

typedef struct idx_ctx {
  const void *src;
  void *dst;
  const int64_t *idx;
  int64_t n_in, n_out, base; /* per plane: index count, indexed plane size */
  bool gather;
  int bad; /* set (racily, any thread) on an out-of-range index */
} idx_ctx;

#define SCATTER(S, T)                                                                     \
  static void scatter_##S(int64_t b, int64_t e, void *vctx) {                             \
    idx_ctx *c = vctx;                                                                    \
    for (int64_t pl = b; pl < e; pl++) {                                                  \
      const int64_t *ix = c->idx + pl * c->n_in;                                          \
      if (c->gather) {                                                                    \
        const T *s = (const T *)c->src + pl * c->n_out;                                   \
        T *d = (T *)c->dst + pl * c->n_in;                                                \
        for (int64_t i = 0; i < c->n_in; i++) {                                           \
          int64_t k = ix[i] - c->base;                                                    \
          if (k < 0 || k >= c->n_out) { c->bad = 1; d[i] = 0; continue; }                 \
          d[i] = s[k];                                                                    \
        }                                                                                 \
      } else {                                                                            \
        const T *s = (const T *)c->src + pl * c->n_in;                                    \
        T *d = (T *)c->dst + pl * c->n_out;                                               \
        for (int64_t i = 0; i < c->n_in; i++) {                                           \
          int64_t k = ix[i] - c->base;                                                    \
          if (k < 0 || k >= c->n_out) { c->bad = 1; continue; }                           \
          d[k] += s[i];                                                                   \
        }                                                                                 \
      }                                                                                   \
    }                                                                                     \
  }
SCATTER(f32, float)
SCATTER(f64, double)

/* indices are int64 and, for a scatter, of src's shape */
static int idx_check(const char *fn, const lt_tensor *src, const lt_tensor *indices, bool gather) {
  if (nn_check_index(fn, "indices", indices)) return -1;
  if (!gather && nn_check_shape(fn, "indices", indices, src->ndim, src->size)) return -1;
  return 0;
}

/* gather: out (shape of indices) = src[indices]; else out (out_size
 * planes) = 0 + scatter of src at indices (checked by idx_check). */
static lt_tensor *by_indices(const char *fn, lt_tensor *src, lt_tensor *indices, int64_t base,
                             bool gather, int nd, const int64_t *out_size, int64_t planes,
                             int64_t n_in, int64_t n_out) {
  lt_tensor *s = nn_contig(src), *ix = nn_contig(indices), *out = NULL;
  if (!s || !ix || !(out = lt_tensor_zeros(src->dtype, nd, out_size))) goto done;
  idx_ctx c = {lt_tensor_data(s), lt_tensor_data(out), lt_tensor_data(ix), n_in, n_out, base,
               gather, 0};
  lt_parallel_for(planes, 1 + LT_GRAIN / (n_in + 1), src->dtype == LT_FLOAT32 ? scatter_f32 : scatter_f64,
                  &c);
  if (c.bad) {
    lt_tensor_release(out);
    out = lt_error("%s: an index is out of range for planes of %lld elements (indices count from %lld)",
                   fn, (long long)n_out, (long long)base);
  }
done:
  lt_tensor_release(s);
  lt_tensor_release(ix);
  return out;
}

/* gradient of a max pooling: scatter grad_output into input's shape */
static lt_tensor *max_backward(const char *fn, lt_tensor *grad_output, lt_tensor *input,
                               lt_tensor *indices, int64_t base, bool adaptive) {
  plane_shape ps = {0};
  if (planes_of(fn, input, &ps) || nn_check_float(fn, "gradOutput", grad_output) ||
      nn_check_like(fn, "gradOutput", grad_output, input->dtype))
    return NULL;
  if (grad_output->ndim != input->ndim || grad_output->size[0] != input->size[0] ||
      (ps.batched && grad_output->size[1] != input->size[1]))
    return lt_error("%s: gradOutput's leading sizes do not match the input's", fn);
  const lt_tensor *dv[3] = {input, grad_output, indices};
  const char *const dn[3] = {"input", "gradOutput", "indices"};
  if (idx_check(fn, grad_output, indices, false) || nn_check_devices(fn, 3, dv, dn)) return NULL;
  if (adaptive)
    NN_ON_DEVICE(NULL, fn, input, adaptive_max_pool2d_backward, grad_output, input, indices, base);
  else
    NN_ON_DEVICE(NULL, fn, input, max_pool2d_backward, grad_output, input, indices, base);
  int64_t n_in = grad_output->size[input->ndim - 2] * grad_output->size[input->ndim - 1];
  return by_indices(fn, grad_output, indices, base, false, input->ndim, input->size, ps.N * ps.C,
                    n_in, ps.H * ps.W);
}

lt_tensor *lt_max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *indices,
                                  int64_t base) {
  return max_backward("max_pool2d_backward", grad_output, input, indices, base, false);
}

lt_tensor *lt_max_unpool2d(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                           int64_t base) {
  const char *fn = "max_unpool2d";
  plane_shape ps = {0};
  if (planes_of(fn, input, &ps)) return NULL;
  if (!output_size || output_size[0] < 1 || output_size[1] < 1)
    return lt_error("%s: output size must be two positive numbers", fn);
  const lt_tensor *dv[2] = {input, indices};
  const char *const dn[2] = {"input", "indices"};
  if (idx_check(fn, input, indices, false) || nn_check_devices(fn, 2, dv, dn)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, max_unpool2d, input, indices, output_size, base);
  int64_t size[4];
  int nd = shape_with(&ps, output_size[0], output_size[1], size);
  return by_indices(fn, input, indices, base, false, nd, size, ps.N * ps.C, ps.H * ps.W,
                    output_size[0] * output_size[1]);
}

lt_tensor *lt_max_unpool2d_backward(lt_tensor *grad_output, lt_tensor *indices, int64_t base) {
  const char *fn = "max_unpool2d_backward";
  plane_shape ps = {0};
  if (planes_of(fn, grad_output, &ps) || nn_check_index(fn, "indices", indices)) return NULL;
  if (indices->ndim != grad_output->ndim || indices->size[0] != grad_output->size[0] ||
      (ps.batched && indices->size[1] != grad_output->size[1]))
    return lt_error("%s: indices' leading sizes do not match gradOutput's", fn);
  const lt_tensor *dv[2] = {grad_output, indices};
  const char *const dn[2] = {"gradOutput", "indices"};
  if (nn_check_devices(fn, 2, dv, dn)) return NULL;
  NN_ON_DEVICE(NULL, fn, grad_output, max_unpool2d_backward, grad_output, indices, base);
  int64_t n_in = indices->size[indices->ndim - 2] * indices->size[indices->ndim - 1];
  return by_indices(fn, grad_output, indices, base, true, indices->ndim, indices->size,
                    ps.N * ps.C, n_in, ps.H * ps.W);
}

/* ---- average pooling (fixed and adaptive windows) ----
 * One kernel serves both: a window is [h0, h1) x [w0, w1) clipped to the
 * input, divided by div. */

typedef struct avg_ctx {
  const pool_args *a; /* NULL: adaptive */
  const plane_shape *ps;
  int64_t oh, ow;
  bool count_include_pad;
  int64_t divisor;
  const void *x;
  void *y;
  bool backward; /* x is grad_output, y grad_input (zeroed) */
} avg_ctx;

static void avg_window(const avg_ctx *c, int64_t oh, int64_t ow, int64_t *h0, int64_t *h1,
                       int64_t *w0, int64_t *w1, double *div) {
  const int64_t H = c->ps->H, W = c->ps->W;
  if (!c->a) { /* adaptive: floor(o·I/O) .. ceil((o+1)·I/O) */
    *h0 = oh * H / c->oh;
    *h1 = ((oh + 1) * H + c->oh - 1) / c->oh;
    *w0 = ow * W / c->ow;
    *w1 = ((ow + 1) * W + c->ow - 1) / c->ow;
    *div = (double)((*h1 - *h0) * (*w1 - *w0));
    return;
  }
  const pool_args *a = c->a;
  int64_t hs = oh * a->s[0] - a->p[0], ws = ow * a->s[1] - a->p[1];
  int64_t he = hs + a->k[0], we = ws + a->k[1];
  if (he > H + a->p[0]) he = H + a->p[0];
  if (we > W + a->p[1]) we = W + a->p[1];
  int64_t padded = (he - hs) * (we - ws);
  *h0 = hs < 0 ? 0 : hs;
  *w0 = ws < 0 ? 0 : ws;
  *h1 = he > H ? H : he;
  *w1 = we > W ? W : we;
  *div = c->divisor > 0 ? (double)c->divisor
         : c->count_include_pad ? (double)padded
                                : (double)((*h1 - *h0) * (*w1 - *w0));
}

#define AVG_POOL(S, T)                                                                  \
  static void avg_pool_##S(int64_t b, int64_t e, void *vctx) {                          \
    const avg_ctx *c = vctx;                                                            \
    const int64_t H = c->ps->H, W = c->ps->W, OH = c->oh, OW = c->ow;                   \
    for (int64_t pl = b; pl < e; pl++) {                                                \
      const T *x = (const T *)c->x + pl * (c->backward ? OH * OW : H * W);              \
      T *y = (T *)c->y + pl * (c->backward ? H * W : OH * OW);                          \
      for (int64_t oh = 0; oh < OH; oh++)                                               \
        for (int64_t ow = 0; ow < OW; ow++) {                                           \
          int64_t h0, h1, w0, w1;                                                       \
          double div;                                                                   \
          avg_window(c, oh, ow, &h0, &h1, &w0, &w1, &div);                              \
          if (c->backward) {                                                            \
            T g = (T)(x[oh * OW + ow] / div);                                           \
            for (int64_t h = h0; h < h1; h++)                                           \
              for (int64_t w = w0; w < w1; w++) y[h * W + w] += g;                      \
          } else {                                                                      \
            double s = 0;                                                               \
            for (int64_t h = h0; h < h1; h++)                                           \
              for (int64_t w = w0; w < w1; w++) s += x[h * W + w];                      \
            y[oh * OW + ow] = (T)(s / div);                                             \
          }                                                                             \
        }                                                                               \
    }                                                                                   \
  }
AVG_POOL(f32, float)
AVG_POOL(f64, double)

/* A backward's gradOutput (NULL passes: a forward) has the pooled shape
 * (oh, ow planes) and sits on input's device. */
static int avg_grad_check(const char *fn, const lt_tensor *input, const lt_tensor *grad_output,
                          const plane_shape *ps, int64_t oh, int64_t ow) {
  if (!grad_output) return 0;
  int64_t size[4];
  int nd = shape_with(ps, oh, ow, size);
  const lt_tensor *dv[2] = {input, grad_output};
  const char *const dn[2] = {"input", "gradOutput"};
  if (nn_check_float(fn, "gradOutput", grad_output) ||
      nn_check_like(fn, "gradOutput", grad_output, input->dtype) ||
      nn_check_shape(fn, "gradOutput", grad_output, nd, size) || nn_check_devices(fn, 2, dv, dn))
    return -1;
  return 0;
}

/* Run an average pooling forward (grad_output NULL) or backward, the
 * arguments checked (avg_grad_check). */
static lt_tensor *avg_run(lt_tensor *input, lt_tensor *grad_output, const plane_shape *ps,
                          avg_ctx *c) {
  int64_t size[4];
  int nd = shape_with(ps, c->oh, c->ow, size);
  lt_tensor *x, *y;
  if (grad_output) {
    x = nn_contig(grad_output);
    y = x ? lt_tensor_zeros(input->dtype, input->ndim, input->size) : NULL;
  } else {
    x = nn_contig(input);
    y = x ? lt_tensor_empty(input->dtype, nd, size) : NULL;
  }
  if (y) {
    c->x = lt_tensor_data(x);
    c->y = lt_tensor_data(y);
    c->backward = grad_output != NULL;
    lt_parallel_for(ps->N * ps->C, 1 + LT_GRAIN / (ps->H * ps->W),
                    input->dtype == LT_FLOAT32 ? avg_pool_f32 : avg_pool_f64, c);
  }
  lt_tensor_release(x);
  return y;
}

static lt_tensor *avg_pool(const char *fn, lt_tensor *grad_output, lt_tensor *input,
                           const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                           bool ceil_mode, bool count_include_pad, int64_t divisor) {
  plane_shape ps = {0};
  pool_args a;
  if (planes_of(fn, input, &ps) ||
      pool_setup(fn, &ps, kernel, stride, padding, NULL, ceil_mode, &a))
    return NULL;
  if (divisor < 0) return lt_error("%s: divisor must be positive, got %lld", fn, (long long)divisor);
  if (avg_grad_check(fn, input, grad_output, &ps, a.oh, a.ow)) return NULL;
  if (grad_output)
    NN_ON_DEVICE(NULL, fn, input, avg_pool2d_backward, grad_output, input, kernel, stride, padding,
                 ceil_mode, count_include_pad, divisor);
  else
    NN_ON_DEVICE(NULL, fn, input, avg_pool2d, input, kernel, stride, padding, ceil_mode,
                 count_include_pad, divisor);
  avg_ctx c = {&a, &ps, a.oh, a.ow, count_include_pad, divisor, NULL, NULL, false};
  return avg_run(input, grad_output, &ps, &c);
}

lt_tensor *lt_avg_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                         const int64_t *padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor_override) {
  return avg_pool("avg_pool2d", NULL, input, kernel, stride, padding, ceil_mode,
                  count_include_pad, divisor_override);
}

lt_tensor *lt_avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                  const int64_t *kernel, const int64_t *stride,
                                  const int64_t *padding, bool ceil_mode, bool count_include_pad,
                                  int64_t divisor_override) {
  return avg_pool("avg_pool2d_backward", grad_output, input, kernel, stride, padding, ceil_mode,
                  count_include_pad, divisor_override);
}

static int adaptive_size(const char *fn, const int64_t *output_size) {
  if (!output_size || output_size[0] < 1 || output_size[1] < 1)
    return lt_errorf("%s: output size must be two positive numbers", fn);
  return 0;
}

lt_tensor *lt_adaptive_avg_pool2d(lt_tensor *input, const int64_t *output_size) {
  const char *fn = "adaptive_avg_pool2d";
  plane_shape ps = {0};
  if (planes_of(fn, input, &ps) || adaptive_size(fn, output_size)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, adaptive_avg_pool2d, input, output_size);
  avg_ctx c = {NULL, &ps, output_size[0], output_size[1], true, 0, NULL, NULL, false};
  return avg_run(input, NULL, &ps, &c);
}

lt_tensor *lt_adaptive_avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input) {
  const char *fn = "adaptive_avg_pool2d_backward";
  plane_shape ps = {0};
  if (planes_of(fn, input, &ps) || nn_check_float(fn, "gradOutput", grad_output)) return NULL;
  if (grad_output->ndim != input->ndim)
    return lt_error("%s: gradOutput has %d dimensions but input has %d", fn, grad_output->ndim,
                    input->ndim);
  avg_ctx c = {NULL, &ps, grad_output->size[input->ndim - 2], grad_output->size[input->ndim - 1],
               true, 0, NULL, NULL, false};
  if (c.oh < 1 || c.ow < 1) return lt_error("%s: gradOutput has an empty plane", fn);
  if (avg_grad_check(fn, input, grad_output, &ps, c.oh, c.ow)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, adaptive_avg_pool2d_backward, grad_output, input);
  return avg_run(input, grad_output, &ps, &c);
}

/* ---- adaptive max ---- */

typedef struct amax_ctx {
  const plane_shape *ps;
  int64_t oh, ow, base;
  const void *x;
  void *y;
  int64_t *idx;
} amax_ctx;

#define ADAPTIVE_MAX(S, T)                                                         \
  static void adaptive_max_##S(int64_t b, int64_t e, void *vctx) {                 \
    const amax_ctx *c = vctx;                                                      \
    const int64_t H = c->ps->H, W = c->ps->W, OH = c->oh, OW = c->ow;              \
    for (int64_t pl = b; pl < e; pl++) {                                           \
      const T *x = (const T *)c->x + pl * H * W;                                   \
      T *y = (T *)c->y + pl * OH * OW;                                             \
      int64_t *ix = c->idx + pl * OH * OW;                                         \
      for (int64_t oh = 0; oh < OH; oh++)                                          \
        for (int64_t ow = 0; ow < OW; ow++) {                                      \
          int64_t h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;             \
          int64_t w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;             \
          T best = x[h0 * W + w0];                                                 \
          int64_t bi = h0 * W + w0;                                                \
          for (int64_t h = h0; h < h1 && !isnan(best); h++)                        \
            for (int64_t w = w0; w < w1; w++) {                                    \
              T v = x[h * W + w];                                                  \
              if (v > best || isnan(v)) {                                          \
                best = v;                                                          \
                bi = h * W + w;                                                    \
                if (isnan(v)) break;                                               \
              }                                                                    \
            }                                                                      \
          y[oh * OW + ow] = best;                                                  \
          ix[oh * OW + ow] = bi + c->base;                                         \
        }                                                                          \
    }                                                                              \
  }
ADAPTIVE_MAX(f32, float)
ADAPTIVE_MAX(f64, double)

lt_tensor *lt_adaptive_max_pool2d(lt_tensor *input, const int64_t *output_size, int64_t base,
                                  lt_tensor **indices) {
  const char *fn = "adaptive_max_pool2d";
  plane_shape ps = {0};
  *indices = NULL;
  if (planes_of(fn, input, &ps) || adaptive_size(fn, output_size)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, adaptive_max_pool2d, input, output_size, base, indices);
  int64_t size[4];
  int nd = shape_with(&ps, output_size[0], output_size[1], size);
  lt_tensor *x = nn_contig(input), *y = NULL, *ix = NULL;
  if (!x || !(y = lt_tensor_empty(input->dtype, nd, size)) ||
      !(ix = lt_tensor_empty(LT_INT64, nd, size))) {
    lt_tensor_release(x);
    lt_tensor_release(y);
    return NULL;
  }
  amax_ctx c = {&ps, output_size[0], output_size[1], base, lt_tensor_data(x), lt_tensor_data(y),
                lt_tensor_data(ix)};
  lt_parallel_for(ps.N * ps.C, 1 + LT_GRAIN / (ps.H * ps.W),
                  input->dtype == LT_FLOAT32 ? adaptive_max_f32 : adaptive_max_f64, &c);
  lt_tensor_release(x);
  *indices = ix;
  return y;
}

lt_tensor *lt_adaptive_max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                           lt_tensor *indices, int64_t base) {
  return max_backward("adaptive_max_pool2d_backward", grad_output, input, indices, base, true);
}

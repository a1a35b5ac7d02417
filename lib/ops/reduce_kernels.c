/* The reduction engine: per-dtype fold kernels and the parallel driver
 * (layout in reduce_impl.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/parallel.h"
#include "reduce_impl.h"

/* Columns one task folds at a time: their accumulators stay in L1. */
#define COLBLOCK 256

/* x points at (row i0, column j0) of one outer slice; rows are ld
 * elements apart; acc/idx hold `cols` accumulators; cen the centres of
 * those outputs (SQDEV/EXPDEV). */
typedef void (*rkern)(const char *x, int64_t rows, int64_t cols, int64_t ld, racc *acc,
                      int64_t *idx, int64_t i0, const double *cen, double p);

#define ADD(a, b) ((a) + (b))
#define MUL(a, b) ((a) * (b))
/* keep a NaN once seen (a NaN a stays: b > a and b != b are false) */
#define NANMAX(a, b) (((b) != (b) || (b) > (a)) ? (b) : (a))
#define NANMIN(a, b) (((b) != (b) || (b) < (a)) ? (b) : (a))

/* A fold without an index. STEP is an expression in the accumulator a,
 * the element v (of type T), the centre c and the power p. The contiguous
 * path keeps 8 independent accumulators: more throughput, and a float sum
 * becomes a tree of partial sums (better rounding). */
#define FOLD_KERNEL(NAME, T, A, F, ID, STEP, COMB, CEN)                                   \
  static void NAME(const char *xp, int64_t rows, int64_t cols, int64_t ld, racc *acc,       \
                   int64_t *idx, int64_t i0, const double *cen, double p) {                \
    const T *x = (const T *)xp;                                                            \
    (void)p;                                                                               \
    if (ld == 1) {                                                                         \
      const double c = CEN ? cen[0] : 0;                                                   \
      (void)c;                                                                             \
      A s[8] = {ID, ID, ID, ID, ID, ID, ID, ID};                                           \
      int64_t r = 0;                                                                       \
      for (; r + 8 <= rows; r += 8)                                                        \
        for (int k = 0; k < 8; k++) {                                                      \
          A a = s[k];                                                                      \
          T v = x[r + k];                                                                  \
          s[k] = (STEP);                                                                   \
        }                                                                                  \
      for (; r < rows; r++) {                                                              \
        A a = s[0];                                                                        \
        T v = x[r];                                                                        \
        s[0] = (STEP);                                                                     \
      }                                                                                    \
      A t = COMB(COMB(COMB(s[0], s[1]), COMB(s[2], s[3])),                                 \
                 COMB(COMB(s[4], s[5]), COMB(s[6], s[7])));                                \
      acc[0].F = COMB(acc[0].F, t);                                                        \
      return;                                                                              \
    }                                                                                      \
    A buf[COLBLOCK];                                                                       \
    for (int64_t j = 0; j < cols; j++) buf[j] = acc[j].F;                                  \
    for (int64_t r = 0; r < rows; r++) {                                                   \
      const T *xr = x + r * ld;                                                            \
      for (int64_t j = 0; j < cols; j++) {                                                 \
        const double c = CEN ? cen[j] : 0;                                                 \
        (void)c;                                                                           \
        A a = buf[j];                                                                      \
        T v = xr[j];                                                                       \
        buf[j] = (STEP);                                                                   \
      }                                                                                    \
    }                                                                                      \
    for (int64_t j = 0; j < cols; j++) acc[j].F = buf[j];                                  \
  }

/* max/min with the position of the winner: the first one on ties, the
 * first NaN if any (PyTorch's rule). idx < 0 marks an empty accumulator. */
#define ARG_KERNEL(NAME, T, A, F, OP)                                                      \
  static void NAME(const char *xp, int64_t rows, int64_t cols, int64_t ld, racc *acc,       \
                   int64_t *idx, int64_t i0, const double *cen, double p) {                \
    const T *x = (const T *)xp;                                                            \
    if (ld == 1) {                                                                         \
      A b = acc[0].F;                                                                      \
      int64_t bi = idx[0], r = 0;                                                          \
      if (bi < 0 && rows > 0) {                                                            \
        b = (A)x[0];                                                                       \
        bi = i0;                                                                           \
        r = 1;                                                                             \
      }                                                                                    \
      for (; r < rows; r++) {                                                              \
        A w = (A)x[r];                                                                     \
        if ((w OP b) || (w != w && b == b)) {                                              \
          b = w;                                                                           \
          bi = i0 + r;                                                                     \
        }                                                                                  \
      }                                                                                    \
      acc[0].F = b;                                                                        \
      idx[0] = bi;                                                                         \
      return;                                                                              \
    }                                                                                      \
    A b[COLBLOCK];                                                                         \
    int64_t bi[COLBLOCK];                                                                  \
    for (int64_t j = 0; j < cols; j++) {                                                   \
      b[j] = acc[j].F;                                                                     \
      bi[j] = idx[j];                                                                      \
    }                                                                                      \
    for (int64_t r = 0; r < rows; r++) {                                                   \
      const T *xr = x + r * ld;                                                            \
      for (int64_t j = 0; j < cols; j++) {                                                 \
        A w = (A)xr[j];                                                                    \
        if (bi[j] < 0 || (w OP b[j]) || (w != w && b[j] == b[j])) {                        \
          b[j] = w;                                                                        \
          bi[j] = i0 + r;                                                                  \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
    for (int64_t j = 0; j < cols; j++) {                                                   \
      acc[j].F = b[j];                                                                     \
      idx[j] = bi[j];                                                                      \
    }                                                                                      \
  }

/* Stamp a kernel for the float dtypes, or for all eight compute dtypes
 * (integers and bool accumulate in IA/IF). */
#define FOR_FLOATS(M, K, ...)                \
  M(K##_f32, float, double, d, __VA_ARGS__)  \
  M(K##_f64, double, double, d, __VA_ARGS__)
#define FOR_ALL(M, K, IA, IF, ...)          \
  FOR_FLOATS(M, K, __VA_ARGS__)             \
  M(K##_i64, int64_t, IA, IF, __VA_ARGS__)  \
  M(K##_i32, int32_t, IA, IF, __VA_ARGS__)  \
  M(K##_i16, int16_t, IA, IF, __VA_ARGS__)  \
  M(K##_i8, int8_t, IA, IF, __VA_ARGS__)    \
  M(K##_u8, uint8_t, IA, IF, __VA_ARGS__)   \
  M(K##_b8, bool, IA, IF, __VA_ARGS__)

FOR_ALL(FOLD_KERNEL, sum, int64_t, i, 0, a + v, ADD, 0)
FOR_ALL(FOLD_KERNEL, prod, int64_t, i, 1, a *v, MUL, 0)
FOR_ALL(ARG_KERNEL, max, int64_t, i, >)
FOR_ALL(ARG_KERNEL, min, int64_t, i, <)
/* count runs on all dtypes but always into int64 */
#define FOLD_COUNT(NAME, T, A, F, ...) FOLD_KERNEL(NAME, T, int64_t, i, __VA_ARGS__)
FOR_ALL(FOLD_COUNT, count, int64_t, i, 0, a + (v != 0), ADD, 0)
FOR_FLOATS(FOLD_KERNEL, sqdev, 0, a + ((double)v - c) * ((double)v - c), ADD, 1)
FOR_FLOATS(FOLD_KERNEL, expdev, 0, a + exp((double)v - c), ADD, 1)
FOR_FLOATS(FOLD_KERNEL, sabs, 0, a + fabs((double)v), ADD, 0)
FOR_FLOATS(FOLD_KERNEL, ssq, 0, a + (double)v * (double)v, ADD, 0)
FOR_FLOATS(FOLD_KERNEL, spow, 0, a + pow(fabs((double)v), p), ADD, 0)
FOR_FLOATS(FOLD_KERNEL, absmax, 0, NANMAX(a, fabs((double)v)), NANMAX, 0)
FOR_FLOATS(FOLD_KERNEL, absmin, INFINITY, NANMIN(a, fabs((double)v)), NANMIN, 0)

#define ROW_ALL(K) {K##_f32, K##_f64, K##_i64, K##_i32, K##_i16, K##_i8, K##_u8, K##_b8}
#define ROW_F(K) {K##_f32, K##_f64}
static const rkern kernels[RK_NKINDS][8] = {
    [RK_SUM] = ROW_ALL(sum),     [RK_PROD] = ROW_ALL(prod),     [RK_COUNT] = ROW_ALL(count),
    [RK_MAX] = ROW_ALL(max),     [RK_MIN] = ROW_ALL(min),       [RK_SQDEV] = ROW_F(sqdev),
    [RK_EXPDEV] = ROW_F(expdev), [RK_ABS] = ROW_F(sabs),        [RK_SQ] = ROW_F(ssq),
    [RK_POW] = ROW_F(spow),      [RK_ABSMAX] = ROW_F(absmax),   [RK_ABSMIN] = ROW_F(absmin)};

bool lt__reduce_acc_is_double(rkind k, lt_dtype dt) {
  if (k == RK_COUNT) return false;
  return lt_dtype_is_float(dt) || k >= RK_SQDEV;
}

static void acc_init(rkind k, bool dbl, racc *a, int64_t *idx, int64_t n) {
  double d = k == RK_PROD ? 1 : k == RK_ABSMIN ? INFINITY : 0;
  for (int64_t i = 0; i < n; i++) {
    if (dbl)
      a[i].d = d;
    else
      a[i].i = k == RK_PROD ? 1 : 0;
    if (idx) idx[i] = -1;
  }
}

/* a = a (earlier rows) combined with b (later rows) */
static void acc_combine(rkind k, bool dbl, racc *a, int64_t *ai, const racc *b,
                        const int64_t *bi, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (k == RK_MAX || k == RK_MIN) {
      if (bi[i] < 0) continue;
      bool take;
      if (dbl) {
        double x = a[i].d, y = b[i].d;
        take = ai[i] < 0 || (k == RK_MAX ? y > x : y < x) || (y != y && x == x);
      } else {
        take = ai[i] < 0 || (k == RK_MAX ? b[i].i > a[i].i : b[i].i < a[i].i);
      }
      if (take) {
        a[i] = b[i];
        ai[i] = bi[i];
      }
    } else if (k == RK_PROD) {
      if (dbl) a[i].d *= b[i].d;
      else a[i].i *= b[i].i;
    } else if (k == RK_ABSMAX) {
      a[i].d = NANMAX(a[i].d, b[i].d);
    } else if (k == RK_ABSMIN) {
      a[i].d = NANMIN(a[i].d, b[i].d);
    } else {
      if (dbl) a[i].d += b[i].d;
      else a[i].i += b[i].i;
    }
  }
}

typedef struct {
  rkern kern;
  const char *base;
  size_t esz;
  int64_t outer, n, inner, nblocks, splits, chunk, nout;
  racc *acc, *extra; /* partial s > 0 lives at extra + (s-1)*nout */
  int64_t *idx, *extra_idx;
  const double *cen;
  double p;
} rjob;

static void run_tasks(int64_t b, int64_t e, void *vp) {
  const rjob *j = vp;
  for (int64_t t = b; t < e; t++) {
    int64_t s = t % j->splits, rest = t / j->splits;
    int64_t blk = rest % j->nblocks, o = rest / j->nblocks;
    int64_t j0 = blk * COLBLOCK, cols = j->inner - j0 < COLBLOCK ? j->inner - j0 : COLBLOCK;
    int64_t i0 = s * j->chunk, rows = j->n - i0 < j->chunk ? j->n - i0 : j->chunk;
    if (rows <= 0) continue;
    int64_t out = o * j->inner + j0;
    racc *acc = (s == 0 ? j->acc : j->extra + (s - 1) * j->nout) + out;
    int64_t *idx = NULL;
    if (j->idx) idx = (s == 0 ? j->idx : j->extra_idx + (s - 1) * j->nout) + out;
    const char *x = j->base + ((o * j->n + i0) * j->inner + j0) * (int64_t)j->esz;
    j->kern(x, rows, cols, j->inner, acc, idx, i0, j->cen ? j->cen + out : NULL, j->p);
  }
}

int lt__reduce_run(const char *fn, rkind k, const rshape *r, double p, const double *cen,
                   racc *acc, int64_t *idx) {
  lt_dtype dt = r->x->dtype;
  rkern kern = dt < 8 ? kernels[k][dt] : NULL;
  if (!kern) return lt_errorf("%s: not defined for %s tensors", fn, lt_dtype_name(dt));
  bool dbl = lt__reduce_acc_is_double(k, dt);
  bool with_idx = k == RK_MAX || k == RK_MIN;
  rjob j = {kern, lt_tensor_data(r->x), lt_dtype_size(dt), r->outer, r->n, r->inner, 0, 1, r->n,
            r->outer * r->inner, acc, NULL, with_idx ? idx : NULL, NULL, cen, p};
  acc_init(k, dbl, acc, j.idx, j.nout);
  if (j.nout == 0 || j.n == 0) return 0;
  j.nblocks = (r->inner + COLBLOCK - 1) / COLBLOCK;
  int64_t tasks = j.outer * j.nblocks, total = j.nout * j.n;
  int threads = lt_get_num_threads();
  /* few long reductions: split the reduced dimension too, fold partials after */
  if (tasks < threads && total >= 2 * LT_GRAIN && j.n > 1) {
    int64_t s = (threads + tasks - 1) / tasks, cap = total / LT_GRAIN;
    if (s > cap) s = cap;
    if (s > j.n) s = j.n;
    if (s > 1) {
      j.chunk = (j.n + s - 1) / s;
      j.splits = (j.n + j.chunk - 1) / j.chunk;
    }
  }
  if (j.splits > 1) {
    size_t m = (size_t)((j.splits - 1) * j.nout);
    j.extra = malloc(m * sizeof(racc));
    if (with_idx) j.extra_idx = malloc(m * sizeof(int64_t));
    if (!j.extra || (with_idx && !j.extra_idx)) {
      free(j.extra);
      free(j.extra_idx);
      return lt_errorf("%s: out of memory for partial results", fn);
    }
    acc_init(k, dbl, j.extra, j.extra_idx, (int64_t)m);
  }
  int64_t per_task = j.chunk * (r->inner < COLBLOCK ? r->inner : COLBLOCK);
  int64_t grain = per_task >= LT_GRAIN ? 1 : LT_GRAIN / per_task;
  lt_parallel_for(tasks * j.splits, grain, run_tasks, &j);
  for (int64_t s = 1; s < j.splits; s++)
    acc_combine(k, dbl, acc, j.idx, j.extra + (s - 1) * j.nout,
                with_idx ? j.extra_idx + (s - 1) * j.nout : NULL, j.nout);
  free(j.extra);
  free(j.extra_idx);
  return 0;
}

/* ---- results and shapes ---- */

#define STORE_CASE(E, T, S)                                          \
  case E: {                                                          \
    T *o = dst;                                                      \
    if (is_int)                                                      \
      for (int64_t i = 0; i < n; i++) o[i] = (T)src[i].i;            \
    else                                                             \
      for (int64_t i = 0; i < n; i++) o[i] = (T)src[i].d;            \
    break;                                                           \
  }

void lt__store_acc(lt_dtype dt, void *dst, const racc *src, bool is_int, int64_t n) {
  switch (dt) {
    LT_FOREACH_COMPUTE_DTYPE(STORE_CASE)
  default: break;
  }
}

lt_dtype lt__compute_dtype(lt_dtype in) {
  return in == LT_FLOAT16 || in == LT_BFLOAT16 ? LT_FLOAT32 : in;
}

lt_dtype lt__sum_dtype(lt_dtype in) {
  in = lt__compute_dtype(in);
  return lt_dtype_is_float(in) ? in : LT_INT64;
}

int lt__reduce_prepare(const char *fn, const lt_tensor *t, int dim, bool keepdim,
                       lt_dtype compute, rshape *r) {
  memset(r, 0, sizeof *r);
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  int nd = t->ndim;
  r->outer = r->inner = 1;
  if (dim == LT_ALL_DIMS) {
    r->n = lt_tensor_numel(t);
    r->ndim_out = keepdim ? nd : 0;
    for (int i = 0; i < r->ndim_out; i++) r->size_out[i] = 1;
  } else if (nd == 0) {
    if (dim != 0 && dim != -1)
      return lt_errorf("%s: dimension %d out of range for a 0-dimensional tensor", fn,
                       dim < 0 ? dim : dim + 1);
    r->n = 1;
    r->ndim_out = 0;
  } else {
    int d = lt_wrap_dim(fn, dim, nd, 0);
    if (d < 0) return -1;
    for (int i = 0; i < d; i++) r->outer *= t->size[i];
    for (int i = d + 1; i < nd; i++) r->inner *= t->size[i];
    r->n = t->size[d];
    for (int i = 0; i < nd; i++)
      if (i != d) r->size_out[r->ndim_out++] = t->size[i];
      else if (keepdim) r->size_out[r->ndim_out++] = 1;
  }
  lt_tensor *c = lt_to_dtype(t, compute);
  if (!c) return -1;
  r->x = lt_contiguous(c);
  lt_tensor_release(c);
  return r->x ? 0 : -1;
}

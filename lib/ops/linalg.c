/* Matrix products: mm, mv, bmm, addmm, addmv, addr, baddbmm, addbmm, dot,
 * ger, matmul.
 *
 * Everything funnels into gemm() on `mat`s (a pointer plus rows, cols and
 * element strides): float32/float64 go to CBLAS, integers to a C loop.
 * BLAS is row-major here; a matrix with unit column stride is passed as is
 * (NoTrans, ld = row stride), one with unit row stride as its transpose
 * (Trans, ld = column stride), anything else is packed first. A result
 * with unit row stride is handled as Cᵀ = BᵀAᵀ, so no layout of C, A or B
 * costs a copy unless neither stride is 1. run_blas() decides who
 * computes a product: one thread, bands over the pool, or OpenBLAS's own
 * threads; the integer loop uses the pool too. */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/device.h"
#include "linalg_grad.h"
#include "lutorch/linalg.h"
#include "lutorch/linalg_check.h"
#include "lutorch/op.h"
#include "lutorch/parallel.h"

typedef struct mat {
  char *p;            /* element (0, 0) */
  int64_t rows, cols; /* sizes */
  int64_t rs, cs;     /* strides in elements */
} mat;

/* The matrix formed by the last two dims of t, offset by off elements. */
static mat mat_of(const lt_tensor *t, int64_t off) {
  int n = t->ndim;
  size_t esz = lt_dtype_size(t->dtype);
  mat m = {(char *)lt_tensor_data(t) + off * (int64_t)esz, t->size[n - 2], t->size[n - 1],
           t->stride[n - 2], t->stride[n - 1]};
  return m;
}

static mat mat_t(mat m) {
  mat t = {m.p, m.cols, m.rows, m.cs, m.rs};
  return t;
}

static int64_t max1(int64_t v) { return v > 1 ? v : 1; }

/* How BLAS (row-major) can read m without a copy. A dim of size 1 leaves
 * its stride free, so it never blocks either reading. */
static bool blas_layout(const mat *m, CBLAS_TRANSPOSE *tr, int *ld) {
  int64_t ldn = m->rows == 1 ? max1(m->cols) : m->rs;
  int64_t ldt = m->cols == 1 ? max1(m->rows) : m->cs;
  if ((m->cols == 1 || m->cs == 1) && ldn >= max1(m->cols) && ldn <= INT_MAX) {
    *tr = CblasNoTrans;
    *ld = (int)ldn;
    return true;
  }
  if ((m->rows == 1 || m->rs == 1) && ldt >= max1(m->rows) && ldt <= INT_MAX) {
    *tr = CblasTrans;
    *ld = (int)ldt;
    return true;
  }
  return false;
}

/* Copy m into a fresh row-major buffer (or just allocate it: fill false). */
static bool pack(mat *m, size_t esz, bool fill, char **buf) {
  size_t n = (size_t)(m->rows * m->cols);
  char *b = malloc(n ? n * esz : esz);
  if (!b) return false;
  if (fill)
    for (int64_t i = 0; i < m->rows; i++)
      for (int64_t j = 0; j < m->cols; j++)
        memcpy(b + (size_t)(i * m->cols + j) * esz, m->p + (i * m->rs + j * m->cs) * (int64_t)esz,
               esz);
  mat r = {b, m->rows, m->cols, m->cols, 1};
  *m = r;
  *buf = b;
  return true;
}

static void unpack(const mat *from, mat to, size_t esz) {
  for (int64_t i = 0; i < to.rows; i++)
    for (int64_t j = 0; j < to.cols; j++)
      memcpy(to.p + (i * to.rs + j * to.cs) * (int64_t)esz,
             from->p + (i * from->cols + j) * (int64_t)esz, esz);
}

/* ---- the integer (and degenerate k = 0) loop ----
 * Rows of C are split over the pool. For each row, columns go in blocks
 * that fit a stack accumulator, and the k loop walks rows of B (packed
 * first unless its rows are contiguous). */
typedef struct gemm_ctx {
  mat c, a, b;
  double alpha, beta;
} gemm_ctx;

#define JBLOCK 256
#define LOOP_GEMM(S, T)                                                              \
  static void loop_gemm_##S(int64_t i0, int64_t i1, void *vctx) {                    \
    const gemm_ctx *g = vctx;                                                        \
    const T alpha = (T)g->alpha, beta = (T)g->beta;                                  \
    const int64_t n = g->c.cols, k = g->a.cols;                                      \
    T acc[JBLOCK];                                                                   \
    for (int64_t i = i0; i < i1; i++)                                                \
      for (int64_t j0 = 0; j0 < n; j0 += JBLOCK) {                                   \
        int64_t nj = n - j0 < JBLOCK ? n - j0 : JBLOCK;                              \
        for (int64_t j = 0; j < nj; j++) acc[j] = 0;                                 \
        for (int64_t p = 0; p < k; p++) {                                            \
          T x = *(const T *)(g->a.p + (i * g->a.rs + p * g->a.cs) * (int64_t)sizeof(T)); \
          const T *brow = (const T *)g->b.p + p * g->b.rs + j0 * g->b.cs;            \
          for (int64_t j = 0; j < nj; j++) acc[j] += (T)(x * brow[j]);               \
        }                                                                            \
        T *crow = (T *)g->c.p + i * g->c.rs + j0 * g->c.cs;                          \
        if (g->beta == 0)                                                            \
          for (int64_t j = 0; j < nj; j++) crow[j * g->c.cs] = (T)(alpha * acc[j]);  \
        else                                                                         \
          for (int64_t j = 0; j < nj; j++)                                           \
            crow[j * g->c.cs] = (T)(beta * crow[j * g->c.cs] + alpha * acc[j]);      \
      }                                                                              \
  }
LOOP_GEMM(f32, float)
LOOP_GEMM(f64, double)
LOOP_GEMM(i64, int64_t)
LOOP_GEMM(i32, int32_t)
LOOP_GEMM(i16, int16_t)
LOOP_GEMM(i8, int8_t)
LOOP_GEMM(u8, uint8_t)

static const lt_range_fn loop_gemm[LT_NDTYPES] = {
    [LT_FLOAT32] = loop_gemm_f32, [LT_FLOAT64] = loop_gemm_f64, [LT_INT64] = loop_gemm_i64,
    [LT_INT32] = loop_gemm_i32,   [LT_INT16] = loop_gemm_i16,   [LT_INT8] = loop_gemm_i8,
    [LT_UINT8] = loop_gemm_u8};

static int run_loop_gemm(const char *fn, lt_dtype dt, mat c, double beta, double alpha, mat a,
                         mat b) {
  char *bbuf = NULL;
  if (b.cs != 1 && b.cols > 1 && !pack(&b, lt_dtype_size(dt), true, &bbuf))
    return lt_errorf("%s: out of memory packing a matrix", fn);
  if (b.cols == 1) b.cs = 1;
  gemm_ctx g = {c, a, b, alpha, beta};
  int64_t work = max1(c.cols * max1(a.cols));
  lt_parallel_for(c.rows, max1(LT_GRAIN / work), loop_gemm[dt], &g);
  free(bbuf);
  return 0;
}

/* ---- BLAS ---- */

/* y = beta·y + alpha·A·x with C a column (n == 1). Returns false when the
 * strides do not suit gemv, so the caller falls back to gemm. */
static bool blas_gemv(lt_dtype dt, mat c, double beta, double alpha, mat a, mat b) {
  CBLAS_TRANSPOSE ta;
  int lda;
  int64_t incx = a.cols == 1 ? 1 : b.rs, incy = c.rows == 1 ? 1 : c.rs;
  if (!blas_layout(&a, &ta, &lda) || incx < 1 || incy < 1 || incx > INT_MAX || incy > INT_MAX)
    return false;
  /* a Trans matrix is handed over as its row-major transpose */
  int m = (int)(ta == CblasNoTrans ? a.rows : a.cols), n = (int)(ta == CblasNoTrans ? a.cols : a.rows);
  if (beta == 0) { /* beta = 0 must ignore C, NaNs included */
    for (int64_t i = 0; i < c.rows; i++) memset(c.p + i * c.rs * (int64_t)lt_dtype_size(dt), 0, lt_dtype_size(dt));
  }
  if (dt == LT_FLOAT32)
    cblas_sgemv(CblasRowMajor, ta, m, n, (float)alpha, (const float *)a.p, lda, (const float *)b.p,
                (int)incx, (float)beta, (float *)c.p, (int)incy);
  else
    cblas_dgemv(CblasRowMajor, ta, m, n, alpha, (const double *)a.p, lda, (const double *)b.p,
                (int)incx, beta, (double *)c.p, (int)incy);
  return true;
}

/* One row-major BLAS gemm, C (m x n) = alpha·op(A)·op(B) + beta·C. */
typedef struct blas_call {
  lt_dtype dt;
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k;
  double alpha;
  const char *a;
  int lda;
  const char *b;
  int ldb;
  double beta;
  char *c;
  int ldc;
  int bands; /* run_blas: how many bands of rows or columns */
} blas_call;

/* Rows [m0, m1) and columns [n0, n1) of the product, on this thread's
 * BLAS. A's rows are its columns when transposed, B's columns its rows. */
static void blas_block(const blas_call *g, int m0, int m1, int n0, int n1) {
  size_t es = lt_dtype_size(g->dt);
  const char *a = g->a + (size_t)m0 * (g->ta == CblasNoTrans ? (size_t)g->lda : 1) * es;
  const char *b = g->b + (size_t)n0 * (g->tb == CblasNoTrans ? 1 : (size_t)g->ldb) * es;
  char *c = g->c + ((size_t)m0 * g->ldc + n0) * es;
  if (g->dt == LT_FLOAT32)
    cblas_sgemm(CblasRowMajor, g->ta, g->tb, m1 - m0, n1 - n0, g->k, (float)g->alpha,
                (const float *)a, g->lda, (const float *)b, g->ldb, (float)g->beta, (float *)c,
                g->ldc);
  else
    cblas_dgemm(CblasRowMajor, g->ta, g->tb, m1 - m0, n1 - n0, g->k, g->alpha,
                (const double *)a, g->lda, (const double *)b, g->ldb, g->beta, (double *)c,
                g->ldc);
}

#define SPLIT_ALIGN 16 /* rows or columns per split boundary: whole vector tiles */

/* Part i of `parts` of [0, n), boundaries on SPLIT_ALIGN; empty past the end. */
static void split_range(int n, int64_t i, int parts, int *lo, int *hi) {
  int64_t per = ((int64_t)n + parts - 1) / parts;
  per = (per + SPLIT_ALIGN - 1) / SPLIT_ALIGN * SPLIT_ALIGN;
  int64_t b = i * per, e = b + per;
  *lo = (int)(b < n ? b : n);
  *hi = (int)(e < n ? e : n);
}

static void blas_row_parts(int64_t i0, int64_t i1, void *ctx) {
  const blas_call *g = ctx;
  for (int64_t i = i0; i < i1; i++) {
    int lo, hi;
    split_range(g->m, i, g->bands, &lo, &hi);
    if (lo < hi) blas_block(g, lo, hi, 0, g->n);
  }
}

static void blas_column_parts(int64_t i0, int64_t i1, void *ctx) {
  const blas_call *g = ctx;
  for (int64_t i = i0; i < i1; i++) {
    int lo, hi;
    split_range(g->n, i, g->bands, &lo, &hi);
    if (lo < hi) blas_block(g, 0, g->m, lo, hi);
  }
}

static void blas_whole(void *ctx) {
  const blas_call *g = ctx;
  blas_block(g, 0, g->m, 0, g->n);
}

/* Who runs a product. OpenBLAS's OpenMP threading costs some 30-60 us per
 * call here (W4's 128x256x10 output layer: 60 us threaded, 17 us on one
 * thread), so up to a few threads we split products ourselves: one
 * parallel region of single-threaded gemms, each on a band of C's rows or
 * columns, which also beats OpenBLAS's split on every training shape
 * measured (2 threads: 10-40% faster, large convolution products too).
 * Rows or columns: a band re-packs the whole of the other operand, and
 * which costs less depends on the shapes and transposes, so the rule is
 * the measured one: rows when m >= n, or m >= n/2 with A transposed (the
 * weight gradients Xᵀ·G: 512x128x784 is 22% faster by rows, 64x12544x800
 * 3% faster by columns); with many threads, the way that gives more bands
 * (each at least two tiles wide). Products under 2^18 multiply-adds run on
 * one thread, as do those too narrow both ways to band, unless large;
 * with many threads, large products keep OpenBLAS's 2-D split, which
 * re-packs less. */
static int bands_of(int len, int parts) {
  int b = len / (2 * SPLIT_ALIGN);
  return b < parts ? b : parts;
}

static void run_blas(blas_call *g) {
  int parts = lt_get_num_threads();
  double macs = (double)g->m * g->n * g->k;
  if (parts == 1 || lt_in_parallel() || (macs > (double)(1 << 27) && parts > 4)) {
    blas_whole(g); /* OpenBLAS's own threads, if any */
    return;
  }
  int rows = bands_of(g->m, parts), cols = bands_of(g->n, parts);
  bool by_rows = g->m >= (g->ta == CblasNoTrans ? g->n : g->n / 2);
  if (macs < 1 << 18 || (rows < 2 && cols < 2)) {
    if (macs < 1 << 24) lt_serial(blas_whole, g);
    else blas_whole(g);
  } else if (rows >= 2 && (rows > cols || (rows == cols && by_rows))) {
    g->bands = rows;
    lt_parallel_for(rows, 1, blas_row_parts, g);
  } else {
    g->bands = cols;
    lt_parallel_for(cols, 1, blas_column_parts, g);
  }
}

static int blas_gemm(const char *fn, lt_dtype dt, mat c, double beta, double alpha, mat a, mat b) {
  size_t esz = lt_dtype_size(dt);
  if (c.rows > INT_MAX || c.cols > INT_MAX || a.cols > INT_MAX)
    return lt_errorf("%s: matrices too large for BLAS (a dimension exceeds %d)", fn, INT_MAX);
  /* a row result is a column of the transposed product */
  if (c.cols != 1 && c.rows == 1) {
    mat t = mat_t(a);
    a = mat_t(b);
    b = t;
    c = mat_t(c);
  }
  if (c.cols == 1 && blas_gemv(dt, c, beta, alpha, a, b)) return 0;
  CBLAS_TRANSPOSE tc = CblasNoTrans, ta = CblasNoTrans, tb = CblasNoTrans;
  int ldc = 1, lda = 1, ldb = 1;
  char *cbuf = NULL, *abuf = NULL, *bbuf = NULL;
  mat c0 = c;
  if (blas_layout(&c, &tc, &ldc) && tc == CblasTrans) { /* Cᵀ = Bᵀ Aᵀ */
    mat t = mat_t(a);
    a = mat_t(b);
    b = t;
    c = mat_t(c);
    c0 = c;
  }
  if (!blas_layout(&c, &tc, &ldc) || tc != CblasNoTrans) {
    if (!pack(&c, esz, beta != 0, &cbuf)) goto oom;
    ldc = (int)max1(c.cols);
  }
  if (!blas_layout(&a, &ta, &lda)) {
    if (!pack(&a, esz, true, &abuf)) goto oom;
    blas_layout(&a, &ta, &lda);
  }
  if (!blas_layout(&b, &tb, &ldb)) {
    if (!pack(&b, esz, true, &bbuf)) goto oom;
    blas_layout(&b, &tb, &ldb);
  }
  blas_call call = {dt, ta, tb, (int)c.rows, (int)c.cols, (int)a.cols, alpha, a.p, lda,
                    b.p, ldb, beta, c.p, ldc, 0};
  run_blas(&call);
  if (cbuf) unpack(&c, c0, esz);
  free(cbuf);
  free(abuf);
  free(bbuf);
  return 0;
oom:
  free(cbuf);
  free(abuf);
  free(bbuf);
  return lt_errorf("%s: out of memory packing a matrix", fn);
}

/* ---- bfloat16 / float16 ----
 * BLAS has no such GEMM here: the operands are widened to float32, sgemm
 * runs, and the result is rounded once — the numbers of a low-precision
 * GEMM that accumulates in float32, as cuBLAS's and autocast's are. */
static void widen(lt_dtype dt, mat m, float *out) {
  for (int64_t i = 0; i < m.rows; i++)
    for (int64_t j = 0; j < m.cols; j++) {
      const uint16_t *p = (const uint16_t *)m.p + i * m.rs + j * m.cs;
      out[i * m.cols + j] = dt == LT_BFLOAT16 ? lt_bf16_to_float(*p) : lt_half_to_float(*p);
    }
}

static int half_gemm(const char *fn, lt_dtype dt, mat c, double beta, double alpha, mat a,
                     mat b) {
  size_t na = (size_t)(a.rows * a.cols), nb = (size_t)(b.rows * b.cols),
         nc = (size_t)(c.rows * c.cols);
  float *buf = malloc((na + nb + nc + 1) * sizeof(float));
  if (!buf) return lt_errorf("%s: out of memory widening %s matrices", fn, lt_dtype_name(dt));
  float *fa = buf, *fb = fa + na, *fc = fb + nb;
  widen(dt, a, fa);
  widen(dt, b, fb);
  if (beta != 0)
    widen(dt, c, fc);
  else
    memset(fc, 0, nc * sizeof(float));
  mat ma = {(char *)fa, a.rows, a.cols, a.cols, 1}, mb = {(char *)fb, b.rows, b.cols, b.cols, 1},
      mc = {(char *)fc, c.rows, c.cols, c.cols, 1};
  int rc = blas_gemm(fn, LT_FLOAT32, mc, beta, alpha, ma, mb);
  for (int64_t i = 0; rc == 0 && i < c.rows; i++)
    for (int64_t j = 0; j < c.cols; j++) {
      uint16_t *p = (uint16_t *)c.p + i * c.rs + j * c.cs;
      float v = fc[i * c.cols + j];
      *p = dt == LT_BFLOAT16 ? lt_float_to_bf16(v) : lt_float_to_half(v);
    }
  free(buf);
  return rc;
}

/* C = beta·C + alpha·A·B. C must not overlap A or B. */
static int gemm(const char *fn, lt_dtype dt, mat c, double beta, double alpha, mat a, mat b) {
  if (c.rows == 0 || c.cols == 0) return 0;
  if (dt == LT_BFLOAT16 || dt == LT_FLOAT16) return half_gemm(fn, dt, c, beta, alpha, a, b);
  if (lt_dtype_is_float(dt) && a.cols > 0) return blas_gemm(fn, dt, c, beta, alpha, a, b);
  return run_loop_gemm(fn, dt, c, beta, alpha, a, b);
}

/* ---- checks ---- */

static bool shares(const lt_tensor *x, const lt_tensor *y) {
  return x && y && x->storage == y->storage;
}

/* CPU, one computable dtype for every tensor given (NULLs skipped); out
 * is checked as the result is made. */
static int check_inputs(const char *fn, const lt_tensor *out, int n, lt_tensor *const *t,
                        const char *const *names) {
  (void)out;
  lt_dtype dt = LT_NDTYPES;
  const char *first = NULL;
  for (int i = 0; i < n; i++) {
    if (!t[i]) continue;
    if (lt_tensor_device(t[i]).type != LT_CPU)
      return lt_errorf("%s: this build has no CUDA support", fn);
    lt_dtype d = t[i]->dtype;
    if (!loop_gemm[d] && d != LT_BFLOAT16 && d != LT_FLOAT16)
      return lt_errorf("%s: not defined for %s tensors (%s)", fn, lt_dtype_name(d), names[i]);
    if (dt == LT_NDTYPES) {
      dt = d;
      first = names[i];
    } else if (d != dt) {
      return lt_errorf("%s: expected tensors of one dtype, %s is %s but %s is %s", fn, first,
                       lt_dtype_name(dt), names[i], lt_dtype_name(d));
    }
  }
  return 0;
}


/* ---- the one driver: res = beta·M + alpha·A·B over batch dims ----
 * a, b (and res unless `reduce`) have nb leading batch dims of shape
 * bshape (a and b may have stride 0 there); reduce sums the batch into a
 * 2-D res (addbmm). */
typedef struct product {
  const char *fn;
  lt_tensor *a, *b;
  int nb;
  const int64_t *bshape;
  bool reduce;
} product;

static int64_t batch_offset(const lt_tensor *t, int nb, const int64_t *bshape, int64_t idx) {
  int64_t off = 0;
  for (int d = nb - 1; d >= 0; d--) {
    off += (idx % bshape[d]) * t->stride[d];
    idx /= bshape[d];
  }
  return off;
}

static int run_product(const product *pr, lt_tensor *res, double beta, double alpha) {
  int64_t nbatch = 1;
  for (int d = 0; d < pr->nb; d++) nbatch *= pr->bshape[d];
  lt_dtype dt = pr->a->dtype;
  if (pr->reduce && nbatch == 0) { /* an empty sum: res = beta·res */
    mat c = mat_of(res, 0), z = {c.p, c.rows, 0, 0, 0};
    return gemm(pr->fn, dt, c, beta, alpha, z, z);
  }
  for (int64_t i = 0; i < nbatch; i++) {
    mat c = mat_of(res, pr->reduce ? 0 : batch_offset(res, pr->nb, pr->bshape, i));
    mat a = mat_of(pr->a, batch_offset(pr->a, pr->nb, pr->bshape, i));
    mat b = mat_of(pr->b, batch_offset(pr->b, pr->nb, pr->bshape, i));
    if (gemm(pr->fn, dt, c, pr->reduce && i > 0 ? 1.0 : beta, alpha, a, b)) return -1;
  }
  return 0;
}

static lt_tensor *new_result(const char *fn, lt_tensor *out, lt_dtype dt, int nd,
                             const int64_t *size) {
  if (!out) return lt_tensor_empty(dt, nd, size);
  if (lt_tensor_device(out).type != LT_CPU) return lt_error("%s: this build has no CUDA support", fn);
  if (out->dtype != dt)
    return lt_error("%s: result tensor is %s but the inputs are %s", fn, lt_dtype_name(out->dtype),
                    lt_dtype_name(dt));
  /* a result of the right shape is written through its own strides (a
   * transposed or strided view stays one, as with Torch7's resize) */
  bool same = out->ndim == nd && !memcmp(out->size, size, sizeof(int64_t) * (size_t)nd);
  if (!same && lt_tensor_resize(out, nd, size)) return NULL;
  lt_tensor_retain(out);
  return out;
}

/* out = beta·m + alpha·(product), result shape (nd, size); m may be NULL. */
static lt_tensor *add_product(const product *pr, lt_tensor *out, double beta, lt_tensor *m,
                              double alpha, int nd, const int64_t *size) {
  const char *fn = pr->fn;
  if (lt_product_check_m(fn, out, m, nd, size)) return NULL;
  if (!m) beta = 0;
  if (out && out != m && (shares(out, pr->a) || shares(out, pr->b) || shares(out, m))) {
    /* out overlaps an input: compute aside, then move in */
    lt_tensor *r = add_product(pr, NULL, beta, m, alpha, nd, size);
    if (!r) return NULL;
    lt_tensor *o = new_result(fn, out, r->dtype, nd, size);
    int rc = o ? lt_copy_(o, r) : -1;
    lt_tensor_release(r);
    if (rc) {
      lt_tensor_release(o);
      return NULL;
    }
    lt_tensor_bump_version(o);
    return o;
  }
  lt_tensor *res;
  if (out && out == m) { /* in place */
    if (shares(m, pr->a) || shares(m, pr->b)) {
      lt_tensor *c = lt_clone(m);
      if (!c) return NULL;
      int rc = run_product(pr, c, beta, alpha);
      if (!rc) rc = lt_copy_(m, c);
      lt_tensor_release(c);
      if (rc) return NULL;
    } else if (run_product(pr, m, beta, alpha)) {
      return NULL;
    }
    lt_tensor_retain(m);
    lt_tensor_bump_version(m);
    return m;
  }
  if (!(res = new_result(fn, out, pr->a->dtype, nd, size))) return NULL;
  if ((m && beta != 0 && lt_copy_(res, m)) || run_product(pr, res, beta, alpha)) {
    lt_tensor_release(res);
    return NULL;
  }
  lt_tensor_bump_version(res);
  return res;
}

/* the result r moved into out (result-first form), or r itself */
static lt_tensor *deliver(const char *fn, lt_tensor *out, lt_tensor *r) {
  if (!r || !out) return r;
  lt_tensor *o = new_result(fn, out, r->dtype, r->ndim, r->size);
  if (o && lt_copy_(o, r)) {
    lt_tensor_release(o);
    o = NULL;
  }
  if (o) lt_tensor_bump_version(o);
  lt_tensor_release(r);
  return o;
}

/* ---- the CPU forms of the product kinds (arguments checked) ---- */

static lt_tensor *product_op(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                             double alpha, lt_tensor *a, lt_tensor *b);

/* n1: the result's one size */
static lt_tensor *addmv_cpu(const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                            double alpha, lt_tensor *a, lt_tensor *x, const int64_t *n1) {
  int64_t size[2] = {n1[0], 1};
  if (out && out != m && (shares(out, a) || shares(out, x) || shares(out, m)))
    return deliver(fn, out, product_op(LT_DEV_MV, fn, NULL, beta, m, alpha, a, x));
  if (out && out != m) {
    lt_tensor *o = new_result(fn, out, a->dtype, 1, n1);
    if (!o) return NULL;
    lt_tensor_release(o);
  }
  /* products run on column views (n x 1) of the vectors */
  lt_tensor *xc = lt_unsqueeze(x, 1);
  lt_tensor *mc = m ? lt_unsqueeze(m, m->ndim) : NULL;
  lt_tensor *oc = !out ? NULL : out == m ? mc : lt_unsqueeze(out, 1);
  lt_tensor *r = NULL;
  if (xc && (!m || mc) && (!out || oc)) {
    product pr = {fn, a, xc, 0, NULL, false};
    r = add_product(&pr, oc, beta, mc, alpha, 2, size);
  }
  if (r && out) {
    lt_tensor_release(r);
    lt_tensor_retain(out);
    r = out;
  } else if (r) {
    lt_tensor *v = lt_view(r, 1, n1);
    lt_tensor_release(r);
    r = v;
  }
  if (oc != mc) lt_tensor_release(oc);
  lt_tensor_release(mc);
  lt_tensor_release(xc);
  return r;
}

static lt_tensor *addr_cpu(const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                           double alpha, lt_tensor *x, lt_tensor *y, const int64_t *size) {
  lt_tensor *xc = lt_unsqueeze(x, 1), *yr = lt_unsqueeze(y, 0);
  lt_tensor *r = NULL;
  if (xc && yr) {
    product pr = {fn, xc, yr, 0, NULL, false};
    r = add_product(&pr, out, beta, m, alpha, 2, size);
  }
  lt_tensor_release(xc);
  lt_tensor_release(yr);
  return r;
}

/* matmul with batch dims: one product over the broadcast batch */
static lt_tensor *matmul_batched(lt_tensor *a, lt_tensor *b) {
  lt_tensor *ea, *eb, *r = NULL;
  int nd;
  int64_t size[LT_MAX_DIMS], full[LT_MAX_DIMS];
  if (lt_matmul_operands("matmul", a, b, &ea, &eb, &nd, size)) return NULL;
  int nb = ea->ndim - 2;
  memcpy(full, ea->size, sizeof(int64_t) * (size_t)(nb + 1));
  full[nb + 1] = eb->size[nb + 1];
  product pr = {"matmul", ea, eb, nb, ea->size, false};
  lt_tensor *prod = add_product(&pr, NULL, 0, NULL, 1, nb + 2, full);
  /* drop the dims added for vector operands */
  if (prod) r = nd == nb + 2 ? (lt_tensor_retain(prod), prod) : lt_view(prod, nd, size);
  lt_tensor_release(prod);
  lt_tensor_release(ea);
  lt_tensor_release(eb);
  return r;
}

/* PyTorch's matmul, by the ranks of a and b */
static lt_tensor *matmul_cpu(lt_tensor *out, lt_tensor *a, lt_tensor *b) {
  const char *fn = "matmul";
  int64_t ka = a->size[a->ndim - 1];
  if (a->ndim == 1 && b->ndim == 1) {
    double d;
    if (lt_dot(a, b, &d)) return NULL;
    return deliver(fn, out, lt_tensor_scalar(a->dtype, d));
  }
  if (a->ndim == 2 && b->ndim == 2) return product_op(LT_DEV_MM, fn, out, 0, NULL, 1, a, b);
  if (a->ndim == 2 && b->ndim == 1) return product_op(LT_DEV_MV, fn, out, 0, NULL, 1, a, b);
  if (a->ndim == 1 && b->ndim == 2) { /* xᵀB = (Bᵀx)ᵀ */
    lt_tensor *bt = lt_transpose(b, 0, 1);
    lt_tensor *r = bt ? product_op(LT_DEV_MV, fn, out, 0, NULL, 1, bt, a) : NULL;
    lt_tensor_release(bt);
    return r;
  }
  if (b->ndim <= 2) { /* fold a's batch dims into rows: one big gemm */
    int64_t rows[2] = {-1, ka};
    lt_tensor *a2 = lt_reshape(a, 2, rows);
    if (!a2) return NULL;
    lt_tensor *r2 = product_op(b->ndim == 2 ? LT_DEV_MM : LT_DEV_MV, fn, NULL, 0, NULL, 1,
                                a2, b);
    lt_tensor_release(a2);
    if (!r2) return NULL;
    int64_t size[LT_MAX_DIMS];
    memcpy(size, a->size, sizeof(int64_t) * (size_t)(a->ndim - 1));
    int nd = a->ndim - 1;
    if (b->ndim == 2) size[nd++] = b->size[1];
    lt_tensor *r = lt_view(r2, nd, size);
    lt_tensor_release(r2);
    return deliver(fn, out, r);
  }
  return deliver(fn, out, matmul_batched(a, b));
}

/* Every product: handed to the device backend when an operand is a device
 * tensor, else checked and computed here. */
static lt_tensor *product_op(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                             double alpha, lt_tensor *a, lt_tensor *b) {
  if (lt_device_any(out, 3, (lt_tensor *[]){m, a, b}))
    return lt_device_product(kind, fn, out, beta, m, alpha, a, b);
  int64_t size[3];
  int nd = lt_product_check(kind, fn, check_inputs, out, m, a, b, size);
  if (nd < 0) return NULL;
  switch (kind) {
  case LT_DEV_MV: return addmv_cpu(fn, out, beta, m, alpha, a, b, size);
  case LT_DEV_R: return addr_cpu(fn, out, beta, m, alpha, a, b, size);
  case LT_DEV_MATMUL: return matmul_cpu(out, a, b);
  default: { /* mm, bmm, addbmm: one batch dim but for mm */
    product pr = {fn, a, b, kind != LT_DEV_MM, a->size, kind == LT_DEV_ADDBMM};
    return add_product(&pr, out, beta, m, alpha, nd, size);
  }
  }
}

/* ---- the ops ----
 * Every public product is product_op recorded for autograd around it (the
 * computation then runs with grad mode off; see linalg_grad.c). The two-operand
 * forms (mm, mv, ...) record 2 inputs with beta 0, alpha 1; the add-forms
 * record m first, so their backwards find a and b at 1 and 2. */
static lt_tensor *recorded(int kind, const char *name, lt_backward_fn bw, lt_tensor *out,
                           int nin, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                           lt_tensor *b) {
  lt_tensor *in[3] = {m, a, b};
  lt_node *node;
  if (lt__linalg_begin(&node, name, bw, out, nin, in + 3 - nin, beta, alpha)) return NULL;
  return lt_record_end(node, product_op(kind, name, out, beta, m, alpha, a, b));
}

lt_tensor *lt_mm(lt_tensor *out, lt_tensor *a, lt_tensor *b) {
  return recorded(LT_DEV_MM, "mm", lt__bw_mm, out, 2, 0, NULL, 1, a, b);
}

lt_tensor *lt_addmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                    lt_tensor *b) {
  return recorded(LT_DEV_MM, "addmm", lt__bw_addmm, out, 3, beta, m, alpha, a, b);
}

lt_tensor *lt_mv(lt_tensor *out, lt_tensor *a, lt_tensor *x) {
  return recorded(LT_DEV_MV, "mv", lt__bw_mv, out, 2, 0, NULL, 1, a, x);
}

lt_tensor *lt_addmv(lt_tensor *out, double beta, lt_tensor *v, double alpha, lt_tensor *a,
                    lt_tensor *x) {
  return recorded(LT_DEV_MV, "addmv", lt__bw_addmv, out, 3, beta, v, alpha, a, x);
}

lt_tensor *lt_ger(lt_tensor *out, lt_tensor *x, lt_tensor *y) {
  return recorded(LT_DEV_R, "ger", lt__bw_ger, out, 2, 0, NULL, 1, x, y);
}

lt_tensor *lt_addr(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *x,
                   lt_tensor *y) {
  return recorded(LT_DEV_R, "addr", lt__bw_addr, out, 3, beta, m, alpha, x, y);
}

lt_tensor *lt_bmm(lt_tensor *out, lt_tensor *a, lt_tensor *b) {
  return recorded(LT_DEV_BMM, "bmm", lt__bw_bmm, out, 2, 0, NULL, 1, a, b);
}

lt_tensor *lt_baddbmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                      lt_tensor *b) {
  return recorded(LT_DEV_BMM, "baddbmm", lt__bw_baddbmm, out, 3, beta, m, alpha, a, b);
}

lt_tensor *lt_addbmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                     lt_tensor *b) {
  return recorded(LT_DEV_ADDBMM, "addbmm", lt__bw_addbmm, out, 3, beta, m, alpha, a, b);
}

lt_tensor *lt_matmul(lt_tensor *out, lt_tensor *a, lt_tensor *b) {
  return recorded(LT_DEV_MATMUL, "matmul", lt__bw_matmul, out, 2, 0, NULL, 1, a, b);
}

/* ---- dot ---- */
#define DOT_LOOP(S, T)                                                              \
  static double dot_##S(const char *x, int64_t sx, const char *y, int64_t sy, int64_t n) { \
    int64_t acc = 0;                                                                \
    for (int64_t i = 0; i < n; i++)                                                 \
      acc += (int64_t)((const T *)x)[i * sx] * (int64_t)((const T *)y)[i * sy];     \
    return (double)(T)acc;                                                          \
  }
DOT_LOOP(i64, int64_t)
DOT_LOOP(i32, int32_t)
DOT_LOOP(i16, int16_t)
DOT_LOOP(i8, int8_t)
DOT_LOOP(u8, uint8_t)

/* A flat (1-D, positive stride) reading of t, or a contiguous copy. */
static lt_tensor *flat(const lt_tensor *t, int64_t *inc) {
  if (t->ndim == 1 && t->stride[0] >= 1 && t->stride[0] <= INT_MAX) {
    *inc = t->stride[0];
    lt_tensor_retain((lt_tensor *)t);
    return (lt_tensor *)t;
  }
  *inc = 1;
  return lt_contiguous(t);
}

int lt_dot(lt_tensor *a, lt_tensor *b, double *result) {
  if (lt_device_any(NULL, 2, (lt_tensor *[]){a, b})) return lt_device_dot(a, b, result);
  lt_tensor *t[2] = {a, b};
  const char *names[2] = {"a", "b"};
  if (check_inputs("dot", NULL, 2, t, names)) return -1;
  int64_t n = lt_tensor_numel(a);
  if (n != lt_tensor_numel(b)) return lt_product_mismatch("dot", "a", a, "b", b);
  if (n > INT_MAX) return lt_errorf("dot: vectors too long for BLAS (%lld elements)", (long long)n);
  int64_t ia, ib;
  lt_tensor *fa = flat(a, &ia), *fb = fa ? flat(b, &ib) : NULL;
  if (!fb) {
    lt_tensor_release(fa);
    return -1;
  }
  const char *x = lt_tensor_data(fa), *y = lt_tensor_data(fb);
  switch (a->dtype) {
  case LT_FLOAT32: *result = cblas_sdot((int)n, (const float *)x, (int)ia, (const float *)y, (int)ib); break;
  case LT_FLOAT64: *result = cblas_ddot((int)n, (const double *)x, (int)ia, (const double *)y, (int)ib); break;
  case LT_INT64: *result = dot_i64(x, ia, y, ib, n); break;
  case LT_INT32: *result = dot_i32(x, ia, y, ib, n); break;
  case LT_INT16: *result = dot_i16(x, ia, y, ib, n); break;
  case LT_INT8: *result = dot_i8(x, ia, y, ib, n); break;
  default: *result = dot_u8(x, ia, y, ib, n); break;
  }
  lt_tensor_release(fa);
  lt_tensor_release(fb);
  return 0;
}

lt_tensor *lt_dot_tensor(lt_tensor *a, lt_tensor *b) {
  lt_tensor *in[2] = {a, b};
  lt_node *node;
  if (lt__linalg_begin(&node, "dot", lt__bw_dot, NULL, 2, in, 0, 1)) return NULL;
  if (lt_device_any(NULL, 2, (lt_tensor *[]){a, b})) return lt_record_end(node, lt_device_dot_tensor(a, b));
  double d;
  return lt_record_end(node, lt_dot(a, b, &d) ? NULL : lt_tensor_scalar(a->dtype, d));
}

/* ---- op table (kernels above; backward in linalg_grad.c) ---- */
#define OTHER(id, nm) \
  static const lt_opdef op_##id = {.name = nm, .kind = LT_KIND_OTHER, .backward = lt__bw_##id};
OTHER(mm, "mm")
OTHER(mv, "mv")
OTHER(bmm, "bmm")
OTHER(addmm, "addmm")
OTHER(addmv, "addmv")
OTHER(addr, "addr")
OTHER(baddbmm, "baddbmm")
OTHER(addbmm, "addbmm")
OTHER(dot, "dot")
OTHER(ger, "ger")
OTHER(matmul, "matmul")

const lt_opdef *const lt_ops_linalg[] = {&op_mm,      &op_mv,     &op_bmm,    &op_addmm,
                                         &op_addmv,   &op_addr,   &op_baddbmm, &op_addbmm,
                                         &op_dot,     &op_ger,    &op_matmul, NULL};

/* LAPACK on the GPU with cuSOLVER (the `lapack` entry of lt_device_ops:
 * lib/ops/lapack*.c hand device matrices here after their checks and
 * autograd recording).
 *
 * The same algorithms as the CPU path, on the same layout: cuSOLVER is
 * column-major, so a matrix goes in as a contiguous copy of its transpose
 * (its memory is the matrix in column-major order) and results come back
 * the same way; inputs are never modified, results are contiguous.
 *   gesv     getrf + getrs            inverse  getrf + getrs against I
 *   potrf    potrf                    potrs, potri  potrs, potri
 *   det/slogdet  getrf, then the pivots and U's diagonal on the host
 *   symeig   syevd                    qr       geqrf + orgqr
 *   svd      gesvd, which needs m >= n: a wide matrix is decomposed as its
 *            transpose (Aᵀ = V S Uᵀ), which is A's own memory read
 *            column-major.
 * Factorization failures are read back from cuSOLVER's info (one
 * synchronisation) and give the CPU's messages. One cuSOLVER handle per
 * device, made on first use, on the device's stream; workspaces come from
 * the caching allocator. Singular vectors and eigenvectors are unique only
 * up to sign (and order within repeated values): they may differ from the
 * CPU's, the decompositions they give do not. */
#include <cusolverDn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "lapack.h"

#define MAX_DEVICES 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cusolverDnHandle_t handles[MAX_DEVICES];

static const char *status_name(cusolverStatus_t st) {
  switch (st) {
  case CUSOLVER_STATUS_NOT_INITIALIZED: return "not initialized";
  case CUSOLVER_STATUS_ALLOC_FAILED: return "allocation failed";
  case CUSOLVER_STATUS_INVALID_VALUE: return "invalid value";
  case CUSOLVER_STATUS_ARCH_MISMATCH: return "architecture mismatch";
  case CUSOLVER_STATUS_EXECUTION_FAILED: return "execution failed";
  case CUSOLVER_STATUS_INTERNAL_ERROR: return "internal error";
  case CUSOLVER_STATUS_NOT_SUPPORTED: return "not supported";
  default: return "error";
  }
}

static int solver_fail(const char *fn, const char *call, cusolverStatus_t st) {
  return lt_errorf("%s: cuSOLVER error %d (%s) in %s", fn, (int)st, status_name(st), call);
}

static int solver_handle(const char *fn, int dev, cusolverDnHandle_t *out) {
  if (dev < 0 || dev >= MAX_DEVICES) return lt_errorf("%s: CUDA device %d is not supported", fn, dev + 1);
  if (lt_cuda_use(fn, dev)) return -1;
  pthread_mutex_lock(&lock);
  int rc = 0;
  if (!handles[dev]) {
    cusolverDnHandle_t h;
    cusolverStatus_t st = cusolverDnCreate(&h);
    if (st != CUSOLVER_STATUS_SUCCESS) {
      rc = solver_fail(fn, "cusolverDnCreate", st);
    } else if ((st = cusolverDnSetStream(h, lt_cuda_stream(dev))) != CUSOLVER_STATUS_SUCCESS) {
      rc = solver_fail(fn, "cusolverDnSetStream", st);
      cusolverDnDestroy(h);
    } else {
      handles[dev] = h;
    }
  }
  *out = handles[dev];
  pthread_mutex_unlock(&lock);
  return rc;
}

/* ---- one call's state: handle, scratch memory, info words ---- */

#define MAX_SCRATCH 6
#define NINFO 2

typedef struct {
  const char *fn;
  int dev;
  lt_dtype dt;
  size_t esz;
  lt_device device;
  cusolverDnHandle_t h;
  cudaStream_t s;
  void *buf[MAX_SCRATCH];
  size_t bytes[MAX_SCRATCH];
  int nbuf;
  int *info; /* NINFO ints on the device */
} ctx;

static int ctx_begin(ctx *c, const char *fn, const lt_tensor *a) {
  *c = (ctx){.fn = fn, .dt = a->dtype, .esz = lt_dtype_size(a->dtype), .device = lt_tensor_device(a)};
  c->dev = lt_cuda_dev_of(a);
  if (solver_handle(fn, c->dev, &c->h)) return -1;
  c->s = lt_cuda_stream(c->dev);
  return 0;
}

/* device scratch of nbytes (at least one element), freed by ctx_end */
static void *scratch(ctx *c, size_t nbytes) {
  if (c->nbuf == MAX_SCRATCH) return lt_error("%s: internal error, too many work arrays", c->fn);
  if (nbytes < 16) nbytes = 16;
  void *p = lt_cuda_alloc(c->dev, nbytes);
  if (!p) return NULL;
  c->buf[c->nbuf] = p;
  c->bytes[c->nbuf++] = nbytes;
  return p;
}

static void *work(ctx *c, int64_t elements) { return scratch(c, (size_t)elements * c->esz); }

static int info_words(ctx *c) {
  if (!(c->info = scratch(c, sizeof(int) * NINFO))) return -1;
  CU_TRY(c->fn, cudaMemsetAsync(c->info, 0, sizeof(int) * NINFO, c->s));
  return 0;
}

/* the info words on the host (waits for the work queued so far) */
static int read_info(ctx *c, int *info) {
  CU_TRY(c->fn, cudaMemcpyAsync(info, c->info, sizeof(int) * NINFO, cudaMemcpyDeviceToHost, c->s));
  CU_TRY(c->fn, cudaStreamSynchronize(c->s));
  return 0;
}

static void ctx_end(ctx *c) {
  for (int k = 0; k < c->nbuf; k++) lt_cuda_free(c->dev, c->buf[k], c->bytes[k]);
  c->nbuf = 0;
}

/* a cuSOLVER call with float32 (S) and float64 (D) forms taking the same
 * void * buffers; jumps to `done` on failure */
#define SD(c, name, ...)                                                                    \
  do {                                                                                      \
    cusolverStatus_t st_ = (c)->dt == LT_FLOAT32 ? cusolverDnS##name(__VA_ARGS__)           \
                                                 : cusolverDnD##name(__VA_ARGS__);          \
    if (st_ != CUSOLVER_STATUS_SUCCESS) {                                                   \
      solver_fail((c)->fn, "cusolverDn" #name, st_);                                        \
      goto done;                                                                            \
    }                                                                                       \
  } while (0)
/* a CUDA call or kernel launch; jumps to `done` on failure */
#define CU_GO(c, what, call)                                                                \
  do {                                                                                      \
    cudaError_t e_ = (call);                                                                \
    if (e_ != cudaSuccess) {                                                                \
      lt_cuda_fail((c)->fn, what, e_);                                                      \
      goto done;                                                                            \
    }                                                                                       \
  } while (0)

/* ---- layout ---- */

static lt_tensor *empty(ctx *c, int nd, int64_t s0, int64_t s1) {
  int64_t size[2] = {s0, s1};
  return lt_tensor_empty_on(c->dt, nd, size, c->device);
}

/* a contiguous device copy of tᵀ (a 1-D t counts as a column): the
 * column-major form of t going in, the row-major form of a result out */
static lt_tensor *tcopy(const lt_tensor *t) {
  lt_tensor *v = t->ndim == 1 ? lt_unsqueeze(t, 1) : lt_alias(t);
  if (!v) return NULL;
  int64_t size[2] = {v->size[1], v->size[0]};
  lt_tensor *tr = lt_transpose(v, 0, 1);
  lt_tensor *c = tr ? lt_tensor_empty_on(t->dtype, 2, size, lt_tensor_device(t)) : NULL;
  if (c && lt_copy_(c, tr)) {
    lt_tensor_release(c);
    c = NULL;
  }
  lt_tensor_release(tr);
  lt_tensor_release(v);
  return c;
}

/* a fresh contiguous copy (the solver overwrites it) */
static lt_tensor *fresh(const lt_tensor *t) {
  lt_tensor *c = lt_tensor_empty_on(t->dtype, t->ndim, t->size, lt_tensor_device(t));
  if (c && lt_copy_(c, t)) {
    lt_tensor_release(c);
    return NULL;
  }
  return c;
}

/* tcopy(t), viewed as n elements when the right side b was 1-D */
static lt_tensor *solution(const lt_tensor *bc, const lt_tensor *b) {
  lt_tensor *x = tcopy(bc);
  if (x && b->ndim == 1) {
    lt_tensor *v = lt_view(x, 1, &b->size[0]);
    lt_tensor_release(x);
    x = v;
  }
  return x;
}

static void *D(lt_tensor *t) { return lt_tensor_data(t); }
static cublasFillMode_t uplo(int flags) {
  return flags & LT_DEV_LAPACK_UPPER ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
}

/* ---- LU: gesv, inverse, slogdet ---- */

/* getrf of the n x n column-major ac in place; pivots into *ipiv, info
 * into c->info[0] */
static int getrf(ctx *c, lt_tensor *ac, int n, int **ipiv) {
  int lw = 0;
  void *w;
  SD(c, getrf_bufferSize, c->h, n, n, D(ac), n, &lw);
  if (!(w = work(c, lw)) || !(*ipiv = scratch(c, sizeof(int) * (size_t)n))) goto done;
  SD(c, getrf, c->h, n, n, D(ac), n, w, *ipiv, c->info);
  return 0;
done:
  return -1;
}

static int singular(ctx *c, int info) {
  return lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", c->fn, info, info);
}

static int gesv(ctx *c, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out) {
  int n = (int)a->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1, info[NINFO], *ipiv;
  lt_tensor *ac = tcopy(a), *bc = ac ? tcopy(b) : NULL;
  int rc = -1;
  if (!bc) goto done;
  if (n > 0) {
    if (info_words(c) || getrf(c, ac, n, &ipiv)) goto done;
    if (k > 0) SD(c, getrs, c->h, CUBLAS_OP_N, n, k, D(ac), n, ipiv, D(bc), n, c->info + 1);
    if (read_info(c, info)) goto done;
    if (info[0] > 0) {
      singular(c, info[0]);
      goto done;
    }
  }
  if (!(out[0] = solution(bc, b))) goto done;
  if ((flags & LT_DEV_LAPACK_LU) && !(out[1] = tcopy(ac))) goto done;
  rc = 0;
done:
  lt_tensor_release(ac);
  lt_tensor_release(bc);
  return rc;
}

static int inverse(ctx *c, lt_tensor *a, lt_tensor **out) {
  int n = (int)a->size[0], info[NINFO], *ipiv;
  lt_tensor *ac = tcopy(a), *r = ac ? empty(c, 2, n, n) : NULL;
  int rc = -1;
  if (!r) goto done;
  if (n > 0) {
    if (info_words(c) || getrf(c, ac, n, &ipiv)) goto done;
    CU_GO(c, "the identity kernel", ltk_la_eye(c->dt, D(r), n, n, n, c->s));
    SD(c, getrs, c->h, CUBLAS_OP_N, n, n, D(ac), n, ipiv, D(r), n, c->info + 1);
    if (read_info(c, info)) goto done;
    if (info[0] > 0) {
      singular(c, info[0]);
      goto done;
    }
  }
  if (!(out[0] = tcopy(r))) goto done;
  rc = 0;
done:
  lt_tensor_release(ac);
  lt_tensor_release(r);
  return rc;
}

/* sign and log|det| from the pivots and U's diagonal, as the CPU does */
static int slogdet(ctx *c, lt_tensor *a, double *num) {
  int n = (int)a->size[0], info[NINFO], *ipiv;
  lt_tensor *ac = tcopy(a);
  int *hp = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  double *hd = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  int rc = -1;
  if (!hp || !hd) {
    lt_error("%s: out of memory", c->fn);
    goto done;
  }
  if (!ac) goto done;
  double sg = 1, la = 0;
  if (n > 0) {
    if (info_words(c) || getrf(c, ac, n, &ipiv)) goto done;
    /* the diagonal: n elements (n + 1) apart, packed into hd */
    CU_GO(c, "cudaMemcpy2DAsync", cudaMemcpy2DAsync(hd, c->esz, D(ac), (size_t)(n + 1) * c->esz,
                                                    c->esz, (size_t)n, cudaMemcpyDeviceToHost, c->s));
    CU_GO(c, "cudaMemcpyAsync", cudaMemcpyAsync(hp, ipiv, sizeof(int) * (size_t)n,
                                                cudaMemcpyDeviceToHost, c->s));
    if (read_info(c, info)) goto done; /* info > 0: a zero on the diagonal, det 0 */
  }
  for (int i = 0; i < n; i++) {
    double d = c->dt == LT_FLOAT32 ? (double)((const float *)hd)[i] : hd[i];
    if (hp[i] != i + 1) sg = -sg;
    if (d < 0) sg = -sg;
    if (d == 0) sg = 0;
    la += log(fabs(d));
  }
  num[0] = sg;
  num[1] = la;
  rc = 0;
done:
  free(hp);
  free(hd);
  lt_tensor_release(ac);
  return rc;
}

/* ---- Cholesky ---- */

static int potrf(ctx *c, lt_tensor *a, int flags, lt_tensor **out) {
  int n = (int)a->size[0], lw = 0, info[NINFO];
  lt_tensor *ac = tcopy(a);
  void *w;
  int rc = -1;
  if (!ac) goto done;
  if (n > 0) {
    if (info_words(c)) goto done;
    SD(c, potrf_bufferSize, c->h, uplo(flags), n, D(ac), n, &lw);
    if (!(w = work(c, lw))) goto done;
    SD(c, potrf, c->h, uplo(flags), n, D(ac), n, w, lw, c->info);
    CU_GO(c, "the triangle kernel",
          ltk_la_triangle(c->dt, D(ac), n, (flags & LT_DEV_LAPACK_UPPER) != 0, 0, c->s));
    if (read_info(c, info)) goto done;
    if (info[0] > 0) {
      lt_errorf("%s: matrix is not positive definite (the leading minor of order %d is not "
                "positive)", c->fn, info[0]);
      goto done;
    }
  }
  if (!(out[0] = tcopy(ac))) goto done;
  rc = 0;
done:
  lt_tensor_release(ac);
  return rc;
}

static int potrs(ctx *c, lt_tensor *chol, lt_tensor *b, int flags, lt_tensor **out) {
  int n = (int)chol->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1;
  lt_tensor *cc = tcopy(chol), *bc = cc ? tcopy(b) : NULL;
  int rc = -1;
  if (!bc) goto done;
  /* info only reports a bad argument (our bug): not read, no wait */
  if (n > 0 && k > 0) {
    if (info_words(c)) goto done;
    SD(c, potrs, c->h, uplo(flags), n, k, D(cc), n, D(bc), n, c->info);
  }
  if (!(out[0] = solution(bc, b))) goto done;
  rc = 0;
done:
  lt_tensor_release(cc);
  lt_tensor_release(bc);
  return rc;
}

/* The first zero on the diagonal of the n x n factor a (1-based), or 0:
 * cuSOLVER's potri does not report one, LAPACK's does (the inverse of a
 * singular factor). One strided copy of the diagonal to the host. */
static int zero_on_diagonal(ctx *c, const lt_tensor *a, int n, int *first) {
  double *d = malloc((size_t)n * sizeof(double));
  if (!d) return lt_errorf("%s: out of memory", c->fn);
  size_t es = c->esz;
  cudaError_t e = cudaMemcpy2DAsync(d, es, lt_tensor_data(a), (size_t)(n + 1) * es, es, (size_t)n,
                                    cudaMemcpyDeviceToHost, c->s);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->s);
  *first = 0;
  for (int i = 0; e == cudaSuccess && i < n && !*first; i++) {
    double v = c->dt == LT_FLOAT32 ? ((float *)d)[i] : d[i];
    if (v == 0) *first = i + 1;
  }
  free(d);
  return e == cudaSuccess ? 0 : lt_cuda_fail(c->fn, "reading the factor's diagonal", e);
}

static int potri(ctx *c, lt_tensor *chol, int flags, lt_tensor **out) {
  int n = (int)chol->size[0], lw = 0, info[NINFO], zero = 0;
  lt_tensor *cc = tcopy(chol);
  void *w;
  int rc = -1;
  if (!cc) goto done;
  if (n > 0) {
    if (zero_on_diagonal(c, cc, n, &zero)) goto done;
    if (zero) {
      lt_errorf("%s: matrix is singular (element (%d,%d) of the factor is zero)", c->fn, zero, zero);
      goto done;
    }
    if (info_words(c)) goto done;
    SD(c, potri_bufferSize, c->h, uplo(flags), n, D(cc), n, &lw);
    if (!(w = work(c, lw))) goto done;
    SD(c, potri, c->h, uplo(flags), n, D(cc), n, w, lw, c->info);
    /* one triangle was filled: mirror it into the other */
    CU_GO(c, "the triangle kernel",
          ltk_la_triangle(c->dt, D(cc), n, (flags & LT_DEV_LAPACK_UPPER) != 0, 1, c->s));
    if (read_info(c, info)) goto done;
    if (info[0] > 0) {
      lt_errorf("%s: matrix is singular (element (%d,%d) of the factor is zero)", c->fn, info[0],
                info[0]);
      goto done;
    }
  }
  if (!(out[0] = tcopy(cc))) goto done;
  rc = 0;
done:
  lt_tensor_release(cc);
  return rc;
}

/* ---- eigenvalues, SVD, QR ---- */

static int symeig(ctx *c, lt_tensor *a, int flags, lt_tensor **out) {
  int n = (int)a->size[0], lw = 0, info[NINFO];
  bool vectors = flags & LT_DEV_LAPACK_VECTORS;
  cusolverEigMode_t jobz = vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  lt_tensor *ac = tcopy(a), *e = ac ? empty(c, 1, n, 0) : NULL;
  void *w;
  int rc = -1;
  if (!e) goto done;
  if (n > 0) {
    if (info_words(c)) goto done;
    SD(c, syevd_bufferSize, c->h, jobz, uplo(flags), n, D(ac), n, D(e), &lw);
    if (!(w = work(c, lw))) goto done;
    SD(c, syevd, c->h, jobz, uplo(flags), n, D(ac), n, D(e), w, lw, c->info);
    if (read_info(c, info)) goto done;
    if (info[0] > 0) {
      lt_errorf("%s: the algorithm failed to converge (%d off-diagonal elements did not "
                "converge to zero)", c->fn, info[0]);
      goto done;
    }
  }
  if (!(out[1] = vectors ? tcopy(ac) : empty(c, 1, 0, 0))) goto done;
  out[0] = e;
  e = NULL;
  rc = 0;
done:
  lt_tensor_release(ac);
  lt_tensor_release(e);
  return rc;
}

/* gesvd of the M x N (M >= N) column-major ac: U (M x ucols) column-major
 * in a (ucols, M) tensor, Vᵀ (N x N) column-major, i.e. V row-major, in an
 * (N, N) tensor */
static int svd(ctx *c, lt_tensor *a, int flags, lt_tensor **out) {
  bool some = flags & LT_DEV_LAPACK_SOME, wide = a->size[0] < a->size[1];
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n;
  int M = wide ? n : m, N = k, ucols = some ? k : M, lw = 0, info[NINFO];
  signed char job = some ? 'S' : 'A';
  lt_tensor *ac = NULL, *s = empty(c, 1, k, 0), *uc = NULL, *vt = NULL, *ut;
  void *w, *rw;
  int rc = -1;
  if (!s) goto done;
  if (k == 0) { /* an empty matrix: full U and V are identities */
    if (!(out[0] = empty(c, 2, m, some ? 0 : m)) || !(out[2] = empty(c, 2, n, some ? 0 : n)))
      goto done;
    if (!some) {
      CU_GO(c, "the identity kernel", ltk_la_eye(c->dt, D(out[0]), m, m, m, c->s));
      CU_GO(c, "the identity kernel", ltk_la_eye(c->dt, D(out[2]), n, n, n, c->s));
    }
    out[1] = s;
    s = NULL;
    rc = 0;
    goto done;
  }
  /* tall: A column-major is tcopy(A); wide: Aᵀ column-major is A's memory */
  if (!(ac = wide ? fresh(a) : tcopy(a)) || !(uc = empty(c, 2, ucols, M)) ||
      !(vt = empty(c, 2, N, N)))
    goto done;
  if (info_words(c)) goto done;
  SD(c, gesvd_bufferSize, c->h, M, N, &lw);
  if (!(w = work(c, lw)) || !(rw = work(c, k))) goto done;
  SD(c, gesvd, c->h, job, job, M, N, D(ac), M, D(s), D(uc), M, D(vt), N, w, lw, rw, c->info);
  if (read_info(c, info)) goto done;
  if (info[0] > 0) {
    lt_errorf("%s: the algorithm did not converge", c->fn);
    goto done;
  }
  /* tall: U = the decomposition's U, V = its V. Wide (Aᵀ = U' S V'ᵀ): U = V'
   * (row-major in vt as it is), V = U' (transposed out of uc). */
  if (!(ut = tcopy(uc))) goto done;
  out[0] = wide ? vt : ut;
  out[2] = wide ? ut : vt;
  out[1] = s;
  s = vt = NULL;
  rc = 0;
done:
  lt_tensor_release(ac);
  lt_tensor_release(s);
  lt_tensor_release(uc);
  lt_tensor_release(vt);
  return rc;
}

static int qr(ctx *c, lt_tensor *a, lt_tensor **out) {
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n, lw1 = 0, lw2 = 0;
  lt_tensor *ac = NULL, *tau = empty(c, 1, k, 0), *rr = NULL, *qc = NULL;
  void *w;
  int rc = -1;
  if (!tau || !(rr = empty(c, 2, k, n))) goto done;
  if (k == 0) {
    if (!(out[0] = empty(c, 2, m, 0))) goto done;
    out[1] = rr;
    rr = NULL;
    rc = 0;
    goto done;
  }
  /* info only reports a bad argument (our bug): not read, no wait */
  if (!(ac = tcopy(a)) || info_words(c)) goto done;
  SD(c, geqrf_bufferSize, c->h, m, n, D(ac), m, &lw1);
  SD(c, orgqr_bufferSize, c->h, m, k, k, D(ac), m, D(tau), &lw2);
  if (!(w = work(c, lw1 > lw2 ? lw1 : lw2))) goto done;
  SD(c, geqrf, c->h, m, n, D(ac), m, D(tau), w, lw1 > lw2 ? lw1 : lw2, c->info);
  CU_GO(c, "the R kernel", ltk_la_take_r(c->dt, D(ac), m, n, k, D(rr), c->s));
  SD(c, orgqr, c->h, m, k, k, D(ac), m, D(tau), w, lw1 > lw2 ? lw1 : lw2, c->info + 1);
  /* Q: the first k columns, i.e. the first k rows of the transposed copy */
  if (!(qc = lt_narrow(ac, 0, 0, k)) || !(out[0] = tcopy(qc))) goto done;
  out[1] = rr;
  rr = NULL;
  rc = 0;
done:
  lt_tensor_release(ac);
  lt_tensor_release(tau);
  lt_tensor_release(rr);
  lt_tensor_release(qc);
  return rc;
}

/* ---- the entry ---- */

int lt_cuda_lapack(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out,
                   double *num) {
  char x[32], y[32];
  for (int k = 0; k < 3; k++) out[k] = NULL;
  if (lt_tensor_device(a).type != LT_CUDA) return lt_errorf("%s: expected a CUDA tensor", fn);
  if (b && !lt_device_equal(lt_tensor_device(a), lt_tensor_device(b)))
    return lt_errorf("%s: tensors on different devices: B is on %s, the matrix on %s", fn,
                     lt_device_str(lt_tensor_device(b), x, sizeof x),
                     lt_device_str(lt_tensor_device(a), y, sizeof y));
  if (a->dtype != LT_FLOAT32 && a->dtype != LT_FLOAT64)
    return lt_errorf("%s: expected float32 or float64, got %s", fn, lt_dtype_name(a->dtype));
  if ((op == LT_DEV_LAPACK_GESV || op == LT_DEV_LAPACK_POTRS) && !b)
    return lt_errorf("%s: internal error, no right side", fn);
  ctx c;
  if (ctx_begin(&c, fn, a)) return -1;
  int rc;
  switch (op) {
  case LT_DEV_LAPACK_GESV: rc = gesv(&c, a, b, flags, out); break;
  case LT_DEV_LAPACK_INVERSE: rc = inverse(&c, a, out); break;
  case LT_DEV_LAPACK_POTRF: rc = potrf(&c, a, flags, out); break;
  case LT_DEV_LAPACK_POTRS: rc = potrs(&c, a, b, flags, out); break;
  case LT_DEV_LAPACK_POTRI: rc = potri(&c, a, flags, out); break;
  case LT_DEV_LAPACK_SLOGDET: rc = slogdet(&c, a, num); break;
  case LT_DEV_LAPACK_SYMEIG: rc = symeig(&c, a, flags, out); break;
  case LT_DEV_LAPACK_SVD: rc = svd(&c, a, flags, out); break;
  case LT_DEV_LAPACK_QR: rc = qr(&c, a, out); break;
  default: rc = lt_errorf("%s: internal error, unknown LAPACK op %d", fn, op);
  }
  ctx_end(&c);
  if (rc)
    for (int k = 0; k < 3; k++) {
      lt_tensor_release(out[k]);
      out[k] = NULL;
    }
  return rc;
}

/* Devices other than the CPU.
 *
 * lib/ never includes a CUDA header. A backend (cuda/) fills one
 * lt_device_ops, a struct of function pointers, and registers it when its
 * library is loaded; storages, copies, fills and the elementwise dispatcher
 * reach device memory only through it. Without a registered backend every
 * device request fails with "this build has no CUDA support", and with one
 * but no GPU with "no CUDA device available".
 *
 * Device indices are 0-based in C (cutorch's 1-based ones are converted by
 * the binding). Functions return 0 / a pointer on success, -1 / NULL with an
 * lt error set on failure, as everywhere in lib/. */
#ifndef LUTORCH_DEVICE_H
#define LUTORCH_DEVICE_H

#include "tensor.h"

struct lt_opdef;
struct lt_generator;
struct lt_device_nn_ops;

typedef struct lt_device_memstats {
  int64_t allocated;      /* bytes in blocks handed out (rounded sizes) */
  int64_t reserved;       /* allocated + cached, i.e. what the device gave us */
  int64_t peak_allocated; /* high-water mark of allocated since the last reset */
  int64_t cached;         /* freed blocks kept for reuse */
  int64_t device_allocs;  /* calls into the device's own allocator */
  int64_t device_frees;
  int64_t cache_hits;     /* allocations served from the cache */
  int64_t oom_retries;    /* out-of-memory answered by emptying the cache */
  int64_t ooms;           /* out-of-memory errors raised */
} lt_device_memstats;

typedef struct lt_device_ops {
  const char *name; /* "cuda" */
  /* devices present; 0 when there are none or the driver fails */
  int (*count)(void);
  int (*current)(void);
  int (*set_current)(int dev);
  int (*synchronize)(int dev); /* dev < 0: every device */

  /* memory: sizes in bytes; free takes the size alloc was given */
  void *(*alloc)(int dev, size_t nbytes);
  void (*free)(int dev, void *p, size_t nbytes);
  int (*copy_h2d)(int dev, void *dst, const void *src, size_t nbytes);
  int (*copy_d2h)(int dev, void *dst, const void *src, size_t nbytes);
  int (*copy_d2d)(int dst_dev, void *dst, int src_dev, const void *src, size_t nbytes);
  int (*memstats)(int dev, lt_device_memstats *out);
  int (*meminfo)(int dev, int64_t *free_bytes, int64_t *total_bytes);
  void (*empty_cache)(void);
  void (*reset_peak)(int dev);
  int64_t (*bytes_in_use)(void); /* allocated, all devices together */

  /* tensor kernels: both operands on the same device */
  int (*fill)(lt_tensor *t, double v);
  int (*copy)(lt_tensor *dst, const lt_tensor *src); /* same shape, any dtypes */
  lt_tensor *(*elementwise)(const struct lt_opdef *op, lt_tensor *out, int n,
                            lt_tensor *const *in, const double *params);
  int (*reduce_all)(const char *name, const lt_tensor *t, double *out); /* sum max min */
  lt_tensor *(*mm)(lt_tensor *out, const lt_tensor *a, const lt_tensor *b);
  int (*uniform)(lt_tensor *t, double lo, double hi);

  /* ---- the op families lib's public functions hand over (each hook is one
   * line in lib/ops/<family>.c, after the autograd recording, so backward
   * formulas built from lt_ ops run on the device too) ---- */
  /* matrix products (kind: LT_DEV_MM ...); the same contracts as linalg.h */
  lt_tensor *(*product)(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                        double alpha, lt_tensor *a, lt_tensor *b);
  int (*dot)(lt_tensor *a, lt_tensor *b, double *result);
  /* reductions (red: an lt_reduction; dim as in reduce.h); values and/or
   * indices (NULL when not wanted) get new tensors on the device */
  int (*reduce)(int red, const lt_tensor *t, int dim, bool keepdim, double param,
                lt_tensor **values, lt_tensor **indices);
  lt_tensor *(*scan)(const char *fn, int prod, const lt_tensor *t, int dim);
  /* index ops (index.h): op LT_DEV_COPY / LT_DEV_ADD / LT_DEV_FILL */
  lt_tensor *(*index_rebase)(const char *fn, const lt_tensor *idx, int64_t delta);
  lt_tensor *(*index_select)(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
  int (*index_write)(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                     const lt_tensor *src, double value);
  lt_tensor *(*gather)(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
  int (*scatter)(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                 const lt_tensor *src, double value);
  int (*masked_fill)(lt_tensor *x, const lt_tensor *mask, double value);
  int (*masked_copy)(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src);
  lt_tensor *(*masked_select)(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask);
  lt_tensor *(*nonzero)(lt_tensor *out, const lt_tensor *x);
  /* shape ops (index.h) */
  lt_tensor *(*cat)(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
  lt_tensor *(*flip)(const lt_tensor *x, int n, const int *dims);
  /* random fills: dist is one of LT_DEV_RAND_*; after checking its
   * arguments the backend reserves numel counters of g (lt_generator_reserve)
   * and element i (row-major) takes counter offset + i, as on the CPU;
   * probs: bernoulli's probabilities (broadcast to t) or NULL */
  int (*random_fill)(lt_tensor *t, int dist, double p0, double p1, uint64_t lo, uint64_t range,
                     const lt_tensor *probs, struct lt_generator *g);

  /* sort: every slice along dim sorted (stable; NaN as on the CPU, see
   * reduce.h); values (t's dtype) and indices (int64, 0-based) are new
   * tensors on the device. lib builds topk, kthvalue and median on it. */
  int (*sort)(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
              lt_tensor **indices);

  /* LAPACK (linalg.h), after lib's argument checks (2-D float32/float64
   * matrices of one device; b: gesv's and potrs's right side, else NULL):
   * op an LT_DEV_LAPACK_*, flags LT_DEV_LAPACK_UPPER | _VECTORS | _SOME |
   * _LU (gesv: out[1] wanted). Results are new contiguous device tensors in
   * out[0..2], in the shapes and order of linalg.h; SLOGDET gives sign and
   * log|det| in num[0..1] instead. Errors (singular, not positive definite,
   * no convergence) read as on the CPU. */
  int (*lapack)(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out,
                double *num);
  /* multinomial (random.h), after lib's shape checks: the same counters of
   * g as the CPU reserves (rows x n with replacement, rows x k without);
   * the probabilities' values are checked on the device */
  lt_tensor *(*multinomial)(const lt_tensor *probs, int64_t n, bool replacement,
                            struct lt_generator *g);

  /* nn kernels and fused optimizer steps (device_nn.h); NULL: none */
  const struct lt_device_nn_ops *nn;

  /* settings by name: "tf32" (0/1), "seed" */
  int (*set_option)(const char *name, double v);
  int (*get_option)(const char *name, double *v);

  /* events for timing: new (NULL + error), record on the current stream,
   * wait, milliseconds between two recorded events, free */
  void *(*event_new)(void);
  int (*event_record)(void *e);
  int (*event_synchronize)(void *e);
  int (*event_elapsed)(void *start, void *end, double *ms);
  void (*event_free)(void *e);
} lt_device_ops;

/* product kinds: the public functions of lib/ops/linalg.c */
enum {
  LT_DEV_MM,     /* addmm: out = beta M + alpha a b (mm: M NULL) */
  LT_DEV_MV,     /* addmv */
  LT_DEV_R,      /* addr (ger) */
  LT_DEV_BMM,    /* baddbmm */
  LT_DEV_ADDBMM, /* addbmm */
  LT_DEV_MATMUL  /* matmul (beta, M unused) */
};
/* index/scatter write ops */
enum { LT_DEV_COPY, LT_DEV_ADD, LT_DEV_FILL };
/* random distributions: the same order as lib/ops/random.c's `dist` */
enum {
  LT_DEV_RAND_UNIFORM, LT_DEV_RAND_NORMAL, LT_DEV_RAND_EXPONENTIAL, LT_DEV_RAND_CAUCHY,
  LT_DEV_RAND_LOGNORMAL, LT_DEV_RAND_BERNOULLI, LT_DEV_RAND_BERNOULLI_T, LT_DEV_RAND_GEOMETRIC,
  LT_DEV_RAND_RANDOM
};

/* LAPACK ops (the lapack hook) and their flags */
enum {
  LT_DEV_LAPACK_GESV,    /* a, b -> x (b's shape), lu (_LU) */
  LT_DEV_LAPACK_INVERSE, /* a -> a⁻¹ */
  LT_DEV_LAPACK_POTRF,   /* a -> its Cholesky factor (_UPPER: U, a = UᵀU) */
  LT_DEV_LAPACK_POTRS,   /* a: the factor, b -> x */
  LT_DEV_LAPACK_POTRI,   /* a: the factor -> the full symmetric inverse */
  LT_DEV_LAPACK_SLOGDET, /* a -> num: sign, log|det| */
  LT_DEV_LAPACK_SYMEIG,  /* a -> e ascending, V (_VECTORS; else a 0-element tensor) */
  LT_DEV_LAPACK_SVD,     /* a -> U, S, V (_SOME: reduced) */
  LT_DEV_LAPACK_QR       /* a -> Q, R */
};
enum { LT_DEV_LAPACK_UPPER = 1, LT_DEV_LAPACK_VECTORS = 2, LT_DEV_LAPACK_SOME = 4, LT_DEV_LAPACK_LU = 8 };

/* Called by a backend when it is loaded (a constructor). */
void lt_device_register(lt_device_type type, const lt_device_ops *ops);
/* The backend of a device type, or NULL (no support compiled in). */
const lt_device_ops *lt_device_backend(lt_device_type type);
/* Why lt_device_backend(type) is NULL: "this build has no CUDA support",
 * or why the CUDA backend library did not load. */
const char *lt_device_missing(lt_device_type type);
/* Number of devices of a type: 0 without a backend or a device. */
int lt_device_count(lt_device_type type);
/* 0 if dev can hold memory; else -1 and an error naming fn, e.g.
 * "cuda: no CUDA device available". */
int lt_device_check(const char *fn, lt_device dev);
/* "cpu" or "GPU 1" (1-based, as Lua users number GPUs) into buf; returns buf. */
char *lt_device_str(lt_device dev, char *buf, size_t n);
bool lt_device_equal(lt_device a, lt_device b);

/* Bytes that live tensors hold on all devices (for the GC's accounting). */
int64_t lt_device_bytes_in_use(void);

/* t converted to dtype and moved to dev: t itself (retained) when it is
 * already there, else a new contiguous tensor. */
lt_tensor *lt_tensor_to(const lt_tensor *t, lt_dtype dtype, lt_device dev);

/* The elementwise dispatcher's hook: runs op on device tensors (any of
 * out/in on a device; CPU 0-dim tensors act as scalars). Same contract as
 * lt_unary/lt_binary/lt_ternary. */
lt_tensor *lt_device_elementwise(const struct lt_opdef *op, lt_tensor *out, int n,
                                 lt_tensor *const *in, const double *params);
/* True when out or any input lives on a device (the hook must run). */
bool lt_device_any(const lt_tensor *out, int n, lt_tensor *const *in);

/* Matrix product and whole-tensor reductions on a device tensor. */
lt_tensor *lt_device_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b);
int lt_device_reduce_all(const char *name, const lt_tensor *t, double *out);

/* ---- the hooks of lib's op families ----
 * Each runs the op on the device of its operands (an error when they sit
 * on different devices, or when no backend is built). They are called
 * from lib's public functions when lt_device_any says a device is
 * involved; NULL operands are skipped. */
bool lt_device_any1(const lt_tensor *t);
lt_tensor *lt_device_product(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                             double alpha, lt_tensor *a, lt_tensor *b);
int lt_device_dot(lt_tensor *a, lt_tensor *b, double *result);
/* lt_reduction red over dim; returns the values tensor (or NULL) */
lt_tensor *lt_device_reduce(int red, const lt_tensor *t, int dim, bool keepdim, double param);
int lt_device_reduce2(int red, const lt_tensor *t, int dim, bool keepdim, lt_tensor **values,
                      lt_tensor **indices);
int lt_device_reduce_number(int red, const lt_tensor *t, double param, double *out);
lt_tensor *lt_device_scan(const char *fn, int prod, const lt_tensor *t, int dim);
lt_tensor *lt_device_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta);
lt_tensor *lt_device_index_select(lt_tensor *out, const lt_tensor *x, int dim,
                                  const lt_tensor *idx);
int lt_device_index_write(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                          const lt_tensor *src, double value);
lt_tensor *lt_device_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int lt_device_scatter(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                      const lt_tensor *src, double value);
int lt_device_masked_fill(lt_tensor *x, const lt_tensor *mask, double value);
int lt_device_masked_copy(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src);
lt_tensor *lt_device_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask);
lt_tensor *lt_device_nonzero(lt_tensor *out, const lt_tensor *x);
lt_tensor *lt_device_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
lt_tensor *lt_device_stack(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
lt_tensor *lt_device_flip(const lt_tensor *x, int n, const int *dims);
/* a random fill of a device tensor: reserves numel counters of g (NULL:
 * the default generator), as the CPU fill does, so that one seed gives
 * the same stream on either device */
int lt_device_random_fill(const char *fn, lt_tensor *t, struct lt_generator *g, int dist,
                          double p0, double p1, uint64_t lo, uint64_t range,
                          const lt_tensor *probs);
/* LAPACK op on device matrices (a, and b when not NULL, on one device) */
int lt_device_lapack(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags,
                     lt_tensor **out, double *num);
/* multinomial samples (int64, 0-based) of device probabilities */
lt_tensor *lt_device_multinomial(const lt_tensor *probs, int64_t n, bool replacement,
                                 struct lt_generator *g);
/* dot as a 0-dim device tensor (any layouts of one length) */
lt_tensor *lt_device_dot_tensor(lt_tensor *a, lt_tensor *b);
/* idx += by (int64, in place) */
int lt_device_index_shift(lt_tensor *idx, int64_t by);
/* autograd's helpers on device tensors: g summed down to size (the
 * broadcast undone), and dst += src (same shape) */
lt_tensor *lt_device_sum_to(lt_tensor *g, int ndim, const int64_t *size);
int lt_device_accumulate(lt_tensor *dst, const lt_tensor *src);
/* zeros of the device of `like` (CPU too), dtype and size given */
lt_tensor *lt_device_zeros(const lt_tensor *like, lt_dtype dtype, int ndim,
                                    const int64_t *size);

#endif

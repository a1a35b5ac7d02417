/* The registry of device backends (see device.h) and the generic helpers
 * built on it. lib/ reaches device memory only through these pointers.
 *
 * A build with CUDA defines LUTORCH_HAVE_CUDA for this file, which then
 * registers the backend on first use: no CUDA call happens until a device
 * is asked for, so `require 'torch'` costs no driver start-up. With a
 * shared liblutorch (LUTORCH_CUDA_PLUGIN) the backend is
 * liblutorch_cuda.so, loaded from beside this library at that moment, so
 * that processes that never touch a GPU never map cuBLAS and cuDNN. */
#define _GNU_SOURCE /* dladdr */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef LUTORCH_CUDA_PLUGIN
#include <dlfcn.h>
#endif

#include "lutorch/device.h"
#include "lutorch/device_nn.h"
#include "lutorch/op.h"
#include "lutorch/random.h"
#include "lutorch/reduce.h"

static const lt_device_ops *backends[2];

void lt_device_register(lt_device_type type, const lt_device_ops *ops) {
  if (type == LT_CUDA) __atomic_store_n(&backends[type], ops, __ATOMIC_RELEASE);
}

#ifdef LUTORCH_HAVE_CUDA
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static char cuda_missing[512]; /* why the backend did not load, if it did not */

#ifdef LUTORCH_CUDA_PLUGIN
static void register_cuda(void) {
  void *h = NULL;
  Dl_info self;
  if (dladdr((void *)lt_device_register, &self) && self.dli_fname) {
    const char *slash = strrchr(self.dli_fname, '/');
    char path[4096];
    if (slash && snprintf(path, sizeof path, "%.*s/liblutorch_cuda.so",
                          (int)(slash - self.dli_fname), self.dli_fname) < (int)sizeof path)
      h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  }
  if (!h) h = dlopen("liblutorch_cuda.so", RTLD_NOW | RTLD_LOCAL); /* the loader's paths */
  void (*reg)(void) = h ? (void (*)(void))dlsym(h, "lt_cuda_register") : NULL;
  if (reg)
    reg();
  else
    snprintf(cuda_missing, sizeof cuda_missing, "the CUDA backend did not load: %s", dlerror());
}
#else
void lt_cuda_register(void);
static void register_cuda(void) { lt_cuda_register(); }
#endif
#endif

const lt_device_ops *lt_device_backend(lt_device_type type) {
#ifdef LUTORCH_HAVE_CUDA
  pthread_once(&builtin_once, register_cuda);
#endif
  return type == LT_CUDA ? backends[type] : NULL;
}

const char *lt_device_missing(lt_device_type type) {
  (void)type;
#ifdef LUTORCH_HAVE_CUDA
  if (cuda_missing[0]) return cuda_missing;
#endif
  return "this build has no CUDA support";
}

int lt_device_count(lt_device_type type) {
  if (type == LT_CPU) return 1;
  const lt_device_ops *ops = lt_device_backend(type);
  return ops ? ops->count() : 0;
}

int lt_device_check(const char *fn, lt_device dev) {
  if (dev.type == LT_CPU) return 0;
  if (dev.type != LT_CUDA) return lt_errorf("%s: unknown device type %d", fn, (int)dev.type);
  if (!lt_device_backend(LT_CUDA))
    return lt_errorf("%s: no CUDA device available (%s)", fn, lt_device_missing(LT_CUDA));
  int n = lt_device_count(LT_CUDA);
  if (n == 0) return lt_errorf("%s: no CUDA device available", fn);
  if (dev.index < 0 || dev.index >= n)
    return lt_errorf("%s: CUDA device %d does not exist (%d device%s, numbered from 1)", fn,
                     dev.index + 1, n, n == 1 ? "" : "s");
  return 0;
}

char *lt_device_str(lt_device dev, char *buf, size_t n) {
  if (dev.type == LT_CPU)
    snprintf(buf, n, "cpu");
  else /* 1-based, as the Lua user numbers GPUs */
    snprintf(buf, n, "GPU %d", dev.index + 1);
  return buf;
}

bool lt_device_equal(lt_device a, lt_device b) {
  return a.type == b.type && (a.type == LT_CPU || a.index == b.index);
}

/* Asked after every tensor the binding makes (the GC's accounting): it
 * reads the registry as it is, so it never loads the backend itself. */
int64_t lt_device_bytes_in_use(void) {
  const lt_device_ops *ops = __atomic_load_n(&backends[LT_CUDA], __ATOMIC_ACQUIRE);
  return ops ? ops->bytes_in_use() : 0;
}

lt_tensor *lt_tensor_to(const lt_tensor *t, lt_dtype dtype, lt_device dev) {
  if (t->dtype == dtype && lt_device_equal(lt_tensor_device(t), dev)) {
    lt_tensor_retain((lt_tensor *)t);
    return (lt_tensor *)t;
  }
  lt_tensor *r = lt_tensor_empty_on(dtype, t->ndim, t->size, dev);
  if (r && lt_copy_(r, t)) {
    lt_tensor_release(r);
    return NULL;
  }
  return r;
}

bool lt_device_any(const lt_tensor *out, int n, lt_tensor *const *in) {
  if (out && lt_tensor_device(out).type != LT_CPU) return true;
  for (int i = 0; i < n; i++)
    if (in[i] && lt_tensor_device(in[i]).type != LT_CPU) return true;
  return false;
}

bool lt_device_any1(const lt_tensor *t) { return t && lt_tensor_device(t).type != LT_CPU; }

/* the backend of the first device operand; NULL + error if none is built */
static const lt_device_ops *backend_for(const char *fn, const lt_tensor *out, int n,
                                        lt_tensor *const *in) {
  lt_device dev = {LT_CPU, 0};
  if (out && lt_tensor_device(out).type != LT_CPU) dev = lt_tensor_device(out);
  for (int i = 0; i < n && dev.type == LT_CPU; i++)
    if (in[i]) dev = lt_tensor_device(in[i]);
  if (dev.type == LT_CPU) return lt_error("%s: expected a device tensor, got CPU tensors", fn);
  if (lt_device_check(fn, dev)) return NULL;
  return lt_device_backend(dev.type);
}

lt_tensor *lt_device_elementwise(const lt_opdef *op, lt_tensor *out, int n,
                                 lt_tensor *const *in, const double *params) {
  const lt_device_ops *ops = backend_for(op->name, out, n, in);
  if (!ops) return NULL;
  return ops->elementwise(op, out, n, in, params);
}

lt_tensor *lt_device_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b) {
  lt_tensor *in[2] = {(lt_tensor *)a, (lt_tensor *)b};
  const lt_device_ops *ops = backend_for("mm", out, 2, in);
  if (!ops) return NULL;
  return ops->mm(out, a, b);
}

int lt_device_reduce_all(const char *name, const lt_tensor *t, double *out) {
  lt_tensor *in[1] = {(lt_tensor *)t};
  const lt_device_ops *ops = backend_for(name, NULL, 1, in);
  if (!ops) return -1;
  return ops->reduce_all(name, t, out);
}

/* ---- the op families' hooks: find the backend, hand over ---- */

#define BACKEND_OR(fail, fn, out, n, ...)                                   \
  lt_tensor *in_[] = {__VA_ARGS__};                                         \
  const lt_device_ops *ops = backend_for(fn, out, n, in_);                  \
  if (!ops) return fail

lt_tensor *lt_device_product(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                             double alpha, lt_tensor *a, lt_tensor *b) {
  BACKEND_OR(NULL, fn, out, 3, m, a, b);
  return ops->product(kind, fn, out, beta, m, alpha, a, b);
}

int lt_device_dot(lt_tensor *a, lt_tensor *b, double *result) {
  BACKEND_OR(-1, "dot", NULL, 2, a, b);
  return ops->dot(a, b, result);
}

static const char *const reduction_names[] = {"sum", "prod", "mean", "var", "std", "norm",
                                               "logsumexp", "max", "min", "all", "any", "median"};

static const char *reduction_name(int red) {
  return red >= 0 && red <= LT_RED_MEDIAN ? reduction_names[red] : "reduce";
}

lt_tensor *lt_device_reduce(int red, const lt_tensor *t, int dim, bool keepdim, double param) {
  BACKEND_OR(NULL, reduction_name(red), NULL, 1, (lt_tensor *)t);
  lt_tensor *v = NULL;
  if (ops->reduce(red, t, dim, keepdim, param, &v, NULL)) return NULL;
  return v;
}

int lt_device_reduce2(int red, const lt_tensor *t, int dim, bool keepdim, lt_tensor **values,
                      lt_tensor **indices) {
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  BACKEND_OR(-1, reduction_name(red), NULL, 1, (lt_tensor *)t);
  return ops->reduce(red, t, dim, keepdim, 0, values, indices);
}

int lt_device_reduce_number(int red, const lt_tensor *t, double param, double *out) {
  BACKEND_OR(-1, reduction_name(red), NULL, 1, (lt_tensor *)t);
  lt_tensor *v = NULL;
  if (ops->reduce(red, t, LT_ALL_DIMS, false, param, &v, NULL)) return -1;
  lt_tensor *c = lt_tensor_to(v, v->dtype, (lt_device){LT_CPU, 0});
  lt_tensor_release(v);
  if (!c) return -1;
  *out = lt_dtype_load(c->dtype, lt_tensor_data(c));
  lt_tensor_release(c);
  return 0;
}

lt_tensor *lt_device_scan(const char *fn, int prod, const lt_tensor *t, int dim) {
  BACKEND_OR(NULL, fn, NULL, 1, (lt_tensor *)t);
  return ops->scan(fn, prod, t, dim);
}

lt_tensor *lt_device_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta) {
  BACKEND_OR(NULL, fn, NULL, 1, (lt_tensor *)idx);
  return ops->index_rebase(fn, idx, delta);
}

lt_tensor *lt_device_index_select(lt_tensor *out, const lt_tensor *x, int dim,
                                  const lt_tensor *idx) {
  BACKEND_OR(NULL, "index", out, 2, (lt_tensor *)x, (lt_tensor *)idx);
  return ops->index_select(out, x, dim, idx);
}

int lt_device_index_write(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                          const lt_tensor *src, double value) {
  BACKEND_OR(-1, fn, x, 2, (lt_tensor *)idx, (lt_tensor *)src);
  return ops->index_write(fn, op, x, dim, idx, src, value);
}

lt_tensor *lt_device_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  BACKEND_OR(NULL, "gather", out, 2, (lt_tensor *)x, (lt_tensor *)idx);
  return ops->gather(out, x, dim, idx);
}

int lt_device_scatter(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                      const lt_tensor *src, double value) {
  BACKEND_OR(-1, fn, x, 2, (lt_tensor *)idx, (lt_tensor *)src);
  return ops->scatter(fn, op, x, dim, idx, src, value);
}

int lt_device_masked_fill(lt_tensor *x, const lt_tensor *mask, double value) {
  BACKEND_OR(-1, "maskedFill", x, 1, (lt_tensor *)mask);
  return ops->masked_fill(x, mask, value);
}

int lt_device_masked_copy(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src) {
  BACKEND_OR(-1, "maskedCopy", x, 2, (lt_tensor *)mask, (lt_tensor *)src);
  return ops->masked_copy(x, mask, src);
}

lt_tensor *lt_device_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask) {
  BACKEND_OR(NULL, "maskedSelect", out, 2, (lt_tensor *)x, (lt_tensor *)mask);
  return ops->masked_select(out, x, mask);
}

lt_tensor *lt_device_nonzero(lt_tensor *out, const lt_tensor *x) {
  BACKEND_OR(NULL, "nonzero", out, 1, (lt_tensor *)x);
  return ops->nonzero(out, x);
}

lt_tensor *lt_device_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  const lt_device_ops *ops = backend_for("cat", out, n, xs);
  if (!ops) return NULL;
  return ops->cat(out, n, xs, dim);
}

/* stack = cat of the pieces with a new dim: no kernel of its own */
lt_tensor *lt_device_stack(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  char a[128], b[128];
  const lt_device_ops *ops = backend_for("stack", out, n, xs);
  if (!ops) return NULL;
  if (n <= 0) return lt_error("stack: expected at least one tensor");
  int d = lt_wrap_dim("stack", dim, xs[0]->ndim, 1);
  if (d < 0) return NULL;
  if (xs[0]->ndim >= LT_MAX_DIMS) return lt_error("stack: at most %d dimensions", LT_MAX_DIMS);
  for (int i = 0; i < n; i++)
    if (!lt_tensor_same_shape(xs[i], xs[0]))
      return lt_error("stack: piece 1 has size %s and piece %d has size %s; they must be equal",
                      lt_shape_str(xs[0]->ndim, xs[0]->size, a, sizeof a), i + 1,
                      lt_shape_str(xs[i]->ndim, xs[i]->size, b, sizeof b));
  lt_tensor **us = calloc((size_t)n, sizeof *us), *r = NULL;
  if (!us) return lt_error("stack: out of memory");
  int made = 0;
  while (made < n && (us[made] = lt_unsqueeze(xs[made], d))) made++;
  if (made == n) r = ops->cat(out, n, us, d);
  for (int i = 0; i < made; i++) lt_tensor_release(us[i]);
  free(us);
  return r;
}

lt_tensor *lt_device_flip(const lt_tensor *x, int n, const int *dims) {
  BACKEND_OR(NULL, "flip", NULL, 1, (lt_tensor *)x);
  return ops->flip(x, n, dims);
}

int lt_device_random_fill(const char *fn, lt_tensor *t, struct lt_generator *g, int dist,
                          double p0, double p1, uint64_t lo, uint64_t range,
                          const lt_tensor *probs) {
  BACKEND_OR(-1, fn, t, 1, (lt_tensor *)probs);
  return ops->random_fill(t, dist, p0, p1, lo, range, probs, g);
}

int lt_device_lapack(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags,
                     lt_tensor **out, double *num) {
  BACKEND_OR(-1, fn, NULL, 2, a, b);
  if (!ops->lapack) return lt_errorf("%s: not available for CUDA tensors yet", fn);
  return ops->lapack(op, fn, a, b, flags, out, num);
}

lt_tensor *lt_device_multinomial(const lt_tensor *probs, int64_t n, bool replacement,
                                 struct lt_generator *g) {
  BACKEND_OR(NULL, "multinomial", NULL, 1, (lt_tensor *)probs);
  if (!ops->multinomial) return lt_error("multinomial: not available for CUDA tensors yet");
  return ops->multinomial(probs, n, replacement, g);
}

lt_tensor *lt_device_zeros(const lt_tensor *like, lt_dtype dtype, int ndim,
                                    const int64_t *size) {
  lt_tensor *z = lt_tensor_empty_on(dtype, ndim, size, lt_tensor_device(like));
  if (z && lt_fill_(z, 0)) {
    lt_tensor_release(z);
    return NULL;
  }
  return z;
}

/* ---- compositions of device ops (no kernels of their own) ---- */

lt_tensor *lt_device_dot_tensor(lt_tensor *a, lt_tensor *b) {
  char x[128], y[128];
  int64_t na = lt_tensor_numel(a), nb = lt_tensor_numel(b);
  if (na != nb)
    return lt_error("dot: size mismatch, a is %s, b is %s", lt_shape_str(a->ndim, a->size, x, 128),
                    lt_shape_str(b->ndim, b->size, y, 128));
  lt_tensor *fa = lt_reshape(a, 1, &na), *fb = fa ? lt_reshape(b, 1, &nb) : NULL, *r = NULL;
  if (fb) r = lt_device_product(LT_DEV_MATMUL, "dot", NULL, 0, NULL, 1, fa, fb);
  lt_tensor_release(fa);
  lt_tensor_release(fb);
  return r;
}

static const lt_opdef *add_op(void) {
  static const lt_opdef *op;
  if (!op) op = lt_op_find("add");
  return op;
}

int lt_device_index_shift(lt_tensor *idx, int64_t by) {
  if (idx->dtype != LT_INT64)
    return lt_errorf("index_shift: expected an int64 tensor, got %s", lt_dtype_name(idx->dtype));
  static const double one[1] = {1};
  lt_tensor *s = lt_tensor_scalar(LT_INT64, (double)by);
  lt_tensor *r = s ? lt_binary(add_op(), idx, idx, s, one) : NULL;
  lt_tensor_release(s);
  lt_tensor_release(r);
  return r ? 0 : -1;
}

lt_tensor *lt_device_sum_to(lt_tensor *g, int ndim, const int64_t *size) {
  lt_tensor_retain(g);
  lt_tensor *t = g;
  while (t && t->ndim > ndim) { /* leading dims go */
    lt_tensor *s = lt_sum(t, 0, false);
    lt_tensor_release(t);
    t = s;
  }
  for (int i = 0; t && i < ndim; i++)
    if (size[i] == 1 && t->size[i] != 1) { /* broadcast dims fold to 1 */
      lt_tensor *s = lt_sum(t, i, true);
      lt_tensor_release(t);
      t = s;
    }
  if (t && t->dtype != g->dtype) { /* integer sums come back as int64 */
    lt_tensor *c = lt_to_dtype(t, g->dtype);
    lt_tensor_release(t);
    t = c;
  }
  return t;
}

int lt_device_accumulate(lt_tensor *dst, const lt_tensor *src) {
  static const double one[1] = {1};
  char a[128], b[128];
  if (!lt_tensor_same_shape(dst, src))
    return lt_errorf("accumulate: size %s into size %s", lt_shape_str(src->ndim, src->size, a, 128),
                     lt_shape_str(dst->ndim, dst->size, b, 128));
  lt_tensor *s = lt_to_dtype(src, dst->dtype);
  /* dst may be an overlapping view (unfold's windows): add a private sum */
  lt_tensor *r = s ? lt_binary(add_op(), NULL, dst, s, one) : NULL;
  int rc = r ? lt_copy_(dst, r) : -1;
  lt_tensor_release(s);
  lt_tensor_release(r);
  if (!rc) lt_tensor_bump_version(dst);
  return rc;
}

/* ---- nn kernels and optimizer steps (device_nn.h) ---- */

const lt_device_nn_ops *lt_device_nn(const char *fn, const lt_tensor *t) {
  lt_tensor *in[1] = {(lt_tensor *)t};
  const lt_device_ops *ops = backend_for(fn, NULL, 1, in);
  if (!ops) return NULL;
  if (!ops->nn) return lt_error("%s: not available for CUDA tensors yet", fn);
  return ops->nn;
}

int lt_device_same(const char *fn, const char *what, const lt_tensor *t, const lt_tensor *ref) {
  if (!t || lt_device_equal(lt_tensor_device(t), lt_tensor_device(ref))) return 0;
  char a[32], b[32];
  return lt_errorf("%s: %s is on %s but input is on %s", fn, what,
                   lt_device_str(lt_tensor_device(t), a, sizeof a),
                   lt_device_str(lt_tensor_device(ref), b, sizeof b));
}

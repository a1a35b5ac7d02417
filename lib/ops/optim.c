/* Fused optimizer updates (see lutorch/optim.h for the formulas).
 *
 * Each update is one pass over flat, contiguous arrays: parameter, gradient
 * and state buffers are read and written once per element, split across the
 * thread pool. The arithmetic runs in the tensors' own type (float for
 * float32), as PyTorch's per-tensor loops do, so results agree with it to
 * rounding. Each kernel is a body over element i, stamped for float and
 * double by KERNEL below. */
/* sqrt of a non-negative value never sets errno; without this the errno
 * path of sqrt keeps GCC from vectorising the adam/rmsprop/adagrad loops */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif
#include <math.h>
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/device_nn.h"
#include "lutorch/op.h"
#include "lutorch/optim.h"
#include "lutorch/parallel.h"

#define MAXBUF 5

/* in the element type: sqrtf for float (sqrt would go through double) */
#define SQRT(v) (sizeof(T) == sizeof(float) ? (T)sqrtf((float)(v)) : (T)sqrt((double)(v)))

typedef struct job {
  void *p[MAXBUF + 1]; /* param, grad, buffers... (NULL where unused) */
  const void *opts;
} job;

/* Checks every tensor against the parameter; NULL entries are skipped
 * (unused buffers). Names are for messages. The tensors may live on a
 * device, all on the parameter's (the update then runs there). */
static int check_all(const char *fn, int n, const lt_tensor *const *t, const char *const *name) {
  const lt_tensor *p = t[0];
  if (!p) return lt_errorf("%s: expected a parameter tensor, got NULL", fn);
  if (p->dtype != LT_FLOAT32 && p->dtype != LT_FLOAT64)
    return lt_errorf("%s: parameters must be float32 or float64, got %s", fn,
                     lt_dtype_name(p->dtype));
  int64_t numel = lt_tensor_numel(p);
  for (int k = 0; k < n; k++) {
    const lt_tensor *x = t[k];
    if (!x) continue;
    if (!lt_device_equal(lt_tensor_device(x), lt_tensor_device(p))) {
      char a[32], b[32];
      return lt_errorf("%s: %s is on %s, the parameter on %s", fn, name[k],
                       lt_device_str(lt_tensor_device(x), a, sizeof a),
                       lt_device_str(lt_tensor_device(p), b, sizeof b));
    }
    if (x->dtype != p->dtype)
      return lt_errorf("%s: %s is %s, the parameter is %s", fn, name[k],
                       lt_dtype_name(x->dtype), lt_dtype_name(p->dtype));
    if (lt_tensor_numel(x) != numel)
      return lt_errorf("%s: %s has %lld elements, the parameter has %lld", fn, name[k],
                       (long long)lt_tensor_numel(x), (long long)numel);
    if (!lt_tensor_is_contiguous(x))
      return lt_errorf("%s: %s must be contiguous", fn, name[k]);
  }
  /* an update reads grad while writing param and buffers: the written ones
   * must not share memory with anything else (Torch7 allowed aliasing by
   * accident; here it would give order-dependent results) */
  for (int a = 0; a < n; a++)
    for (int b = a + 1; b < n; b++)
      if (t[a] && t[b] && t[a]->storage == t[b]->storage && numel > 0) {
        int64_t a0 = t[a]->offset, b0 = t[b]->offset;
        if (a0 < b0 + numel && b0 < a0 + numel)
          return lt_errorf("%s: %s and %s share memory", fn, name[a], name[b]);
      }
  return 0;
}

static void bump(int n, lt_tensor *const *t) {
  for (int k = 0; k < n; k++)
    if (t[k]) lt_tensor_bump_version(t[k]);
}

/* A parameter on a device (checked: everything else is there too): the
 * backend's fused step of that kind (device_nn.h) updates it in place. */
static int on_device(const char *fn, int kind, lt_tensor *param, const lt_tensor *grad,
                     lt_tensor *b0, lt_tensor *b1, lt_tensor *b2, const void *o) {
  const lt_device_nn_ops *nn = lt_device_nn(fn, param);
  if (!nn) return -1;
  if (!nn->optim) return lt_errorf("%s: not available for CUDA tensors yet", fn);
  lt_tensor *bufs[3] = {b0, b1, b2};
  if (nn->optim(kind, param, grad, bufs, o)) return -1;
  bump(4, (lt_tensor *[]){param, b0, b1, b2});
  return 0;
}
#define ON_DEVICE(fn, kind, param, grad, b0, b1, b2, o)                      \
  if (lt_tensor_device(param).type != LT_CPU)                                \
  return on_device(fn, kind, param, grad, b0, b1, b2, o)

/* KERNEL(name, opts type, body): defines name_f32 / name_f64 range
 * functions. In the body: T is the element type, o the options, x/g/b0..b3
 * pointers to param, grad and buffers, i the element, gi the decayed grad. */
#define KERNEL_T(NAME, OT, S, TY, ...)                                         \
  static void NAME##_##S(int64_t begin, int64_t end, void *ctx) {              \
    typedef TY T;                                                              \
    const job *j = ctx;                                                        \
    /* a local copy: stores through x/b* cannot alias it, so the compiler   \
     * keeps the options in registers and unswitches the flag tests */      \
    const OT oo = *(const OT *)j->opts, *o = &oo;                              \
    T *x = j->p[0];                                                            \
    const T *g = j->p[1];                                                      \
    T *b0 = j->p[2], *b1 = j->p[3], *b2 = j->p[4];                             \
    (void)b0, (void)b1, (void)b2;                                              \
    const T wd = (T)o->weight_decay;                                           \
    for (int64_t i = begin; i < end; i++) {                                    \
      T gi = wd != 0 ? g[i] + wd * x[i] : g[i];                                \
      __VA_ARGS__                                                              \
    }                                                                          \
  }
#define KERNEL(NAME, OT, ...)                   \
  KERNEL_T(NAME, OT, f32, float, __VA_ARGS__)   \
  KERNEL_T(NAME, OT, f64, double, __VA_ARGS__)

static void run(lt_tensor *param, job *j, lt_range_fn f32, lt_range_fn f64) {
  lt_parallel_for(lt_tensor_numel(param), LT_GRAIN / 4, param->dtype == LT_FLOAT32 ? f32 : f64, j);
}

/* ---- sgd ---- */

KERNEL(sgd_plain, lt_sgd_opts, { x[i] -= (T)o->lr * gi; })
KERNEL(sgd_mom, lt_sgd_opts, {
  const T mom = (T)o->momentum;
  T buf = o->first ? gi : mom * b0[i] + (T)(1 - o->dampening) * gi;
  b0[i] = buf;
  x[i] -= (T)o->lr * (o->nesterov ? gi + mom * buf : buf);
})

int lt_optim_sgd_(lt_tensor *param, const lt_tensor *grad, lt_tensor *buf, const lt_sgd_opts *o) {
  bool mom = o->momentum != 0;
  const lt_tensor *t[] = {param, grad, mom ? buf : NULL};
  static const char *const names[] = {"param", "grad", "momentum buffer"};
  if (mom && !buf) return lt_errorf("optim.sgd: momentum needs a buffer tensor");
  if (check_all("optim.sgd", 3, t, names)) return -1;
  ON_DEVICE("optim.sgd", LT_OPTIM_SGD, param, grad, mom ? buf : NULL, NULL, NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad),
            mom ? lt_tensor_data(buf) : NULL},
           o};
  if (mom) run(param, &j, sgd_mom_f32, sgd_mom_f64);
  else run(param, &j, sgd_plain_f32, sgd_plain_f64);
  bump(3, (lt_tensor *[]){param, NULL, mom ? buf : NULL});
  return 0;
}

/* ---- adam / adamw ---- */

KERNEL(adam, lt_adam_opts, {
  const T b1c = (T)o->beta1, b2c = (T)o->beta2;
  if (o->decoupled_decay != 0) x[i] *= (T)(1 - o->decoupled_decay);
  T m = b0[i] = b1c * b0[i] + (1 - b1c) * gi;
  T v = b1[i] = b2c * b1[i] + (1 - b2c) * gi * gi;
  if (b2) v = b2[i] = b2[i] > v ? b2[i] : v;
  x[i] -= (T)o->step_size * m / (SQRT(v) / (T)o->vdiv + (T)o->eps);
})

int lt_optim_adam_(lt_tensor *param, const lt_tensor *grad, lt_tensor *m, lt_tensor *v,
                   lt_tensor *vmax, const lt_adam_opts *o) {
  if (!m || !v || (o->amsgrad && !vmax))
    return lt_errorf("optim.adam: missing a state buffer (m, v%s)", o->amsgrad ? ", vmax" : "");
  const lt_tensor *t[] = {param, grad, m, v, o->amsgrad ? vmax : NULL};
  static const char *const names[] = {"param", "grad", "m", "v", "vmax"};
  if (check_all("optim.adam", 5, t, names)) return -1;
  ON_DEVICE("optim.adam", LT_OPTIM_ADAM, param, grad, m, v, o->amsgrad ? vmax : NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(m), lt_tensor_data(v),
            o->amsgrad ? lt_tensor_data(vmax) : NULL},
           o};
  run(param, &j, adam_f32, adam_f64);
  bump(5, (lt_tensor *[]){param, NULL, m, v, o->amsgrad ? vmax : NULL});
  return 0;
}

/* ---- rmsprop ---- */

KERNEL(rmsprop, lt_rmsprop_opts, {
  const T al = (T)o->alpha;
  T sq = b0[i] = al * b0[i] + (1 - al) * gi * gi;
  T avg;
  if (b1) {
    T ga = b1[i] = al * b1[i] + (1 - al) * gi;
    avg = SQRT(sq - ga * ga) + (T)o->eps;
  } else {
    avg = SQRT(sq) + (T)o->eps;
  }
  if (b2) {
    T buf = b2[i] = (T)o->momentum * b2[i] + gi / avg;
    x[i] -= (T)o->lr * buf;
  } else {
    x[i] -= (T)o->lr * gi / avg;
  }
})

int lt_optim_rmsprop_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sq, lt_tensor *ga,
                      lt_tensor *buf, const lt_rmsprop_opts *o) {
  bool mom = o->momentum > 0;
  if (!sq || (o->centered && !ga) || (mom && !buf))
    return lt_errorf("optim.rmsprop: missing a state buffer");
  const lt_tensor *t[] = {param, grad, sq, o->centered ? ga : NULL, mom ? buf : NULL};
  static const char *const names[] = {"param", "grad", "square average", "gradient average",
                                      "momentum buffer"};
  if (check_all("optim.rmsprop", 5, t, names)) return -1;
  ON_DEVICE("optim.rmsprop", LT_OPTIM_RMSPROP, param, grad, sq, o->centered ? ga : NULL,
            mom ? buf : NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(sq),
            o->centered ? lt_tensor_data(ga) : NULL, mom ? lt_tensor_data(buf) : NULL},
           o};
  run(param, &j, rmsprop_f32, rmsprop_f64);
  bump(5, (lt_tensor *[]){param, NULL, sq, o->centered ? ga : NULL, mom ? buf : NULL});
  return 0;
}

/* ---- adagrad ---- */

KERNEL(adagrad, lt_adagrad_opts, {
  T s = b0[i] += gi * gi;
  x[i] -= (T)o->lr * gi / (SQRT(s) + (T)o->eps);
})

int lt_optim_adagrad_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sum,
                      const lt_adagrad_opts *o) {
  if (!sum) return lt_errorf("optim.adagrad: missing the sum buffer");
  const lt_tensor *t[] = {param, grad, sum};
  static const char *const names[] = {"param", "grad", "sum"};
  if (check_all("optim.adagrad", 3, t, names)) return -1;
  ON_DEVICE("optim.adagrad", LT_OPTIM_ADAGRAD, param, grad, sum, NULL, NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(sum)}, o};
  run(param, &j, adagrad_f32, adagrad_f64);
  bump(3, (lt_tensor *[]){param, NULL, sum});
  return 0;
}

/* ---- adadelta ---- */

KERNEL(adadelta, lt_adadelta_opts, {
  const T rho = (T)o->rho, eps = (T)o->eps;
  T sq = b0[i] = rho * b0[i] + (1 - rho) * gi * gi;
  T delta = SQRT(b1[i] + eps) / SQRT(sq + eps) * gi;
  x[i] -= (T)o->lr * delta;
  b1[i] = rho * b1[i] + (1 - rho) * delta * delta;
})

int lt_optim_adadelta_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sq, lt_tensor *acc,
                       const lt_adadelta_opts *o) {
  if (!sq || !acc) return lt_errorf("optim.adadelta: missing a state buffer");
  const lt_tensor *t[] = {param, grad, sq, acc};
  static const char *const names[] = {"param", "grad", "square average", "accumulated delta"};
  if (check_all("optim.adadelta", 4, t, names)) return -1;
  ON_DEVICE("optim.adadelta", LT_OPTIM_ADADELTA, param, grad, sq, acc, NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(sq), lt_tensor_data(acc)},
           o};
  run(param, &j, adadelta_f32, adadelta_f64);
  bump(4, (lt_tensor *[]){param, NULL, sq, acc});
  return 0;
}

/* ---- adamax ---- */

KERNEL(adamax, lt_adamax_opts, {
  const T b1c = (T)o->beta1;
  T m = b0[i] = b1c * b0[i] + (1 - b1c) * gi;
  T a = (T)o->beta2 * b1[i], c = (gi < 0 ? -gi : gi) + (T)o->eps;
  T u = b1[i] = a > c ? a : c;
  x[i] -= (T)o->step_size * m / u;
})

int lt_optim_adamax_(lt_tensor *param, const lt_tensor *grad, lt_tensor *m, lt_tensor *u,
                     const lt_adamax_opts *o) {
  if (!m || !u) return lt_errorf("optim.adamax: missing a state buffer");
  const lt_tensor *t[] = {param, grad, m, u};
  static const char *const names[] = {"param", "grad", "m", "u"};
  if (check_all("optim.adamax", 4, t, names)) return -1;
  ON_DEVICE("optim.adamax", LT_OPTIM_ADAMAX, param, grad, m, u, NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(m), lt_tensor_data(u)}, o};
  run(param, &j, adamax_f32, adamax_f64);
  bump(4, (lt_tensor *[]){param, NULL, m, u});
  return 0;
}

/* ---- nag ---- */

KERNEL(nag, lt_nag_opts, {
  const T mom = (T)o->momentum;
  T v = o->first ? 0 : b0[i];
  T nv = b0[i] = mom * v - (T)o->lr * gi;
  x[i] = x[i] - mom * v + nv;
})

int lt_optim_nag_(lt_tensor *param, const lt_tensor *grad, lt_tensor *v, const lt_nag_opts *o) {
  if (!v) return lt_errorf("optim.nag: missing the velocity buffer");
  const lt_tensor *t[] = {param, grad, v};
  static const char *const names[] = {"param", "grad", "velocity"};
  if (check_all("optim.nag", 3, t, names)) return -1;
  ON_DEVICE("optim.nag", LT_OPTIM_NAG, param, grad, v, NULL, NULL, o);
  job j = {{lt_tensor_data(param), lt_tensor_data(grad), lt_tensor_data(v)}, o};
  run(param, &j, nag_f32, nag_f64);
  bump(3, (lt_tensor *[]){param, NULL, v});
  return 0;
}

/* ---- the family's op table: entry points with their own signatures,
 * bound by lua/binding/optim.c, never recorded by autograd ---- */
#define OPTIM_OP(id) \
  static const lt_opdef op_##id = {.name = "optim_" #id, .kind = LT_KIND_OTHER, .flags = LT_OPF_NONDIFF};
OPTIM_OP(sgd)
OPTIM_OP(adam)
OPTIM_OP(rmsprop)
OPTIM_OP(adagrad)
OPTIM_OP(adadelta)
OPTIM_OP(adamax)
OPTIM_OP(nag)

const lt_opdef *const lt_ops_optim[] = {&op_sgd,      &op_adam,   &op_rmsprop, &op_adagrad,
                                        &op_adadelta, &op_adamax, &op_nag,     NULL};

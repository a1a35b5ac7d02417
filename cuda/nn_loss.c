/* Host side of softmax / log_softmax and the losses on the GPU: the entries
 * of lt_device_nn_ops that lib/ops/nn_softmax.c and nn_loss.c hand device
 * tensors to, after checking shapes, dtypes and devices. Inputs are made
 * contiguous, results are fresh contiguous tensors on the input's device,
 * with the CPU kernels' contracts (lutorch/nn.h).
 *
 * Class targets are checked on the device: a kernel lowers a flag to the
 * first bad position, the host reads it once after the launch (one small
 * copy, which waits for the kernels) and raises the CPU's message. That
 * read is the only synchronisation of these entries.
 *
 * cross_entropy = the log_softmax kernel, then the nll kernels on its
 * output: the pick and the reduction read one value per sample, nothing
 * next to the log_softmax pass that the saved log-probabilities need
 * anyway. Its backward is one fused pass (softmax - onehot)·w·g. */
#include <string.h>

#include "internal.h"
#include "nn_internal.h"
#include "nn_loss_kernels.h"

/* t contiguous in dtype dt (NULL passes as NULL; *ok says whether a
 * non-NULL t made it) */
static lt_tensor *as(const lt_tensor *t, lt_dtype dt, bool *ok) {
  if (!t) return NULL;
  lt_tensor *d = lt_to_dtype(t, dt), *c = d ? lt_contiguous(d) : NULL;
  lt_tensor_release(d);
  if (!c) *ok = false;
  return c;
}

static const void *ptr(const lt_tensor *t) { return t ? lt_tensor_data(t) : NULL; }

static void release_all(int n, lt_tensor **ts) {
  for (int i = 0; i < n; i++) lt_tensor_release(ts[i]);
}

/* ---- softmax ---- */

static lt_tensor *softmax_run(bool lg, lt_tensor *x, lt_tensor *g, int dim) {
  const char *fn = g ? (lg ? "log_softmax_backward" : "softmax_backward")
                     : (lg ? "log_softmax" : "softmax");
  int nd = x->ndim ? x->ndim : 1;
  if (dim < 0) dim += nd;
  int64_t D = x->ndim ? x->size[dim] : 1, inner = 1, outer = 1, n = lt_tensor_numel(x);
  for (int i = dim + 1; i < x->ndim; i++) inner *= x->size[i];
  for (int i = 0; i < dim; i++) outer *= x->size[i];
  lt_cuda_at c;
  if (lt_cuda_at_of(fn, x, &c)) return NULL;
  bool ok = true;
  lt_tensor *xc = as(x, x->dtype, &ok), *gc = as(g, x->dtype, &ok), *y = NULL;
  if (ok && (y = lt_tensor_empty_on(x->dtype, x->ndim, x->size, c.dev)) && n > 0) {
    cudaError_t e = ltk_softmax(x->dtype, lg, lt_tensor_data(xc), ptr(gc), lt_tensor_data(y),
                                outer, D, inner, c.sms, c.st);
    if (e != cudaSuccess) {
      lt_cuda_fail(fn, "the softmax kernel", e);
      lt_tensor_release(y);
      y = NULL;
    }
  }
  lt_tensor *r[2] = {xc, gc};
  release_all(2, r);
  return y;
}

static lt_tensor *g_softmax(bool lg, lt_tensor *input, int dim) {
  return softmax_run(lg, input, NULL, dim);
}
static lt_tensor *g_softmax_backward(bool lg, lt_tensor *grad_output, lt_tensor *output, int dim) {
  return softmax_run(lg, output, grad_output, dim);
}

/* ---- class losses ---- */

/* input (C), (N, C) or (N, C, d...), already checked by lib */
static ltk_cls cls_of(const lt_tensor *x, int64_t ignore, int64_t base) {
  ltk_cls k = {1, x->size[x->ndim == 1 ? 0 : 1], 1, ignore, base};
  if (x->ndim > 1) k.N = x->size[0];
  for (int i = 2; i < x->ndim; i++) k.K *= x->size[i];
  return k;
}

/* Scratch: `parts` pairs of doubles, then the bad-target flag (all ones). */
typedef struct scratch {
  char *p;
  size_t n;
  double *parts;
  unsigned long long *bad;
} scratch;

static int scratch_get(const char *fn, const lt_cuda_at *c, int parts, scratch *sc) {
  sc->n = (size_t)parts * 2 * sizeof(double) + sizeof(unsigned long long);
  if (!(sc->p = lt_cuda_alloc(c->dev.index, sc->n))) return -1;
  sc->parts = (double *)sc->p;
  sc->bad = (unsigned long long *)(sc->p + (size_t)parts * 2 * sizeof(double));
  cudaError_t e = cudaMemsetAsync(sc->bad, 0xff, sizeof *sc->bad, c->st);
  if (e != cudaSuccess) {
    lt_cuda_free(c->dev.index, sc->p, sc->n);
    sc->p = NULL;
    return lt_cuda_fail(fn, "cudaMemsetAsync", e);
  }
  return 0;
}

static void scratch_put(const lt_cuda_at *c, scratch *sc) {
  if (sc->p) lt_cuda_free(c->dev.index, sc->p, sc->n);
  sc->p = NULL;
}

/* After the kernels: the first target out of range, with the CPU's message. */
static int check_targets(const char *fn, const lt_cuda_at *c, const scratch *sc, const int64_t *tg,
                         const ltk_cls *k) {
  unsigned long long bad = 0;
  int64_t v = 0;
  cudaError_t e = cudaMemcpyAsync(&bad, sc->bad, sizeof bad, cudaMemcpyDeviceToHost, c->st);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->st);
  if (e != cudaSuccess) return lt_cuda_fail(fn, "reading the target check", e);
  if (bad == ~0ULL) return 0;
  e = cudaMemcpy(&v, tg + bad, sizeof v, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) return lt_cuda_fail(fn, "reading the bad target", e);
  return lt_errorf("%s: target %lld is out of range for %lld classes (classes count from %lld)", fn,
                   (long long)v, (long long)k->C, (long long)k->base);
}

/* loss from log-probabilities (any layout) */
static lt_tensor *cls_forward(const char *fn, lt_tensor *lp, lt_tensor *target, lt_tensor *weight,
                              lt_loss_reduction red, int64_t ignore, int64_t base,
                              lt_tensor **total_weight) {
  lt_dtype dt = lp->dtype;
  ltk_cls k = cls_of(lp, ignore, base);
  lt_cuda_at c;
  if (lt_cuda_at_of(fn, lp, &c)) return NULL;
  bool ok = true;
  lt_tensor *x = as(lp, dt, &ok), *tg = as(target, LT_INT64, &ok), *w = as(weight, dt, &ok);
  lt_tensor *out = NULL, *tw = NULL;
  scratch sc = {0};
  int P = ltk_loss_parts(k.N * k.K, c.sms);
  if (!ok) goto fail;
  out = red == LT_REDUCE_NONE ? lt_tensor_empty_on(dt, target->ndim, target->size, c.dev)
                              : lt_tensor_empty_on(dt, 0, NULL, c.dev);
  if (!out || !(tw = lt_tensor_empty_on(dt, 0, NULL, c.dev))) goto fail;
  if (scratch_get(fn, &c, P, &sc)) goto fail;
  cudaError_t e = ltk_nll_forward(dt, lt_tensor_data(x), lt_tensor_data(tg), ptr(w), k, red,
                                  lt_tensor_data(out), lt_tensor_data(tw), sc.parts, sc.bad,
                                  c.sms, c.st);
  if (e != cudaSuccess) {
    lt_cuda_fail(fn, "the nll kernel", e);
    goto fail;
  }
  if (check_targets(fn, &c, &sc, lt_tensor_data(tg), &k)) goto fail;
  scratch_put(&c, &sc);
  lt_tensor *r[3] = {x, tg, w};
  release_all(3, r);
  *total_weight = tw;
  return out;
fail:;
  scratch_put(&c, &sc);
  lt_tensor *f[5] = {x, tg, w, out, tw};
  release_all(5, f);
  return NULL;
}

static lt_tensor *g_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                             lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                             lt_tensor **total_weight) {
  *total_weight = NULL;
  return cls_forward("nll_loss", input, target, weight, reduction, ignore_index, base,
                     total_weight);
}

static lt_tensor *g_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                  lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                                  lt_tensor **log_probs, lt_tensor **total_weight) {
  *log_probs = *total_weight = NULL;
  lt_tensor *lp = softmax_run(true, input, NULL, input->ndim == 1 ? 0 : 1);
  if (!lp) return NULL;
  lt_tensor *out = cls_forward("cross_entropy", lp, target, weight, reduction, ignore_index, base,
                               total_weight);
  if (!out) {
    lt_tensor_release(lp);
    return NULL;
  }
  *log_probs = lp;
  return out;
}

static lt_tensor *cls_backward(const char *fn, bool fused, lt_tensor *grad_output,
                               lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                               lt_loss_reduction red, int64_t ignore, int64_t base,
                               lt_tensor *total_weight) {
  lt_dtype dt = input->dtype;
  ltk_cls k = cls_of(input, ignore, base);
  lt_cuda_at c;
  if (lt_cuda_at_of(fn, input, &c)) return NULL;
  bool ok = true;
  lt_tensor *x = as(input, dt, &ok), *tg = as(target, LT_INT64, &ok), *w = as(weight, dt, &ok);
  lt_tensor *g = as(grad_output, dt, &ok);
  lt_tensor *tw = red == LT_REDUCE_MEAN ? as(total_weight, dt, &ok) : NULL, *gi = NULL;
  scratch sc = {0};
  if (!ok || !(gi = lt_tensor_empty_on(dt, input->ndim, input->size, c.dev))) goto done;
  if (scratch_get(fn, &c, 0, &sc)) goto fail;
  cudaError_t e = ltk_cls_backward(dt, fused, lt_tensor_data(g), ptr(tw), lt_tensor_data(x),
                                   lt_tensor_data(tg), ptr(w), k, red, lt_tensor_data(gi), sc.bad,
                                   c.sms, c.st);
  if (e != cudaSuccess) {
    lt_cuda_fail(fn, "the class-loss gradient kernel", e);
    goto fail;
  }
  if (check_targets(fn, &c, &sc, lt_tensor_data(tg), &k)) goto fail;
  goto done;
fail:
  lt_tensor_release(gi);
  gi = NULL;
done:;
  scratch_put(&c, &sc);
  lt_tensor *r[5] = {x, tg, w, g, tw};
  release_all(5, r);
  return gi;
}

static lt_tensor *g_nll_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                      lt_tensor *weight, lt_loss_reduction reduction,
                                      int64_t ignore_index, int64_t base,
                                      lt_tensor *total_weight) {
  return cls_backward("nll_loss_backward", false, grad_output, input, target, weight, reduction,
                      ignore_index, base, total_weight);
}

static lt_tensor *g_cross_entropy_backward(lt_tensor *grad_output, lt_tensor *log_probs,
                                           lt_tensor *target, lt_tensor *weight,
                                           lt_loss_reduction reduction, int64_t ignore_index,
                                           int64_t base, lt_tensor *total_weight) {
  return cls_backward("cross_entropy_backward", true, grad_output, log_probs, target, weight,
                      reduction, ignore_index, base, total_weight);
}

/* ---- pointwise losses ---- */

/* weight / pos_weight as the kernel reads them (element i % *per): a
 * contiguous tensor whose shape, leading 1s dropped, is like's trailing
 * shape repeats as it is (pos_weight (C) against (N, C): no copy);
 * anything else is expanded to like's shape and copied. */
static lt_tensor *periodic(lt_tensor *t, const lt_tensor *like, int64_t *per, bool *ok) {
  *per = 1;
  if (!t) return NULL;
  int lead = 0;
  while (lead < t->ndim && t->size[lead] == 1) lead++;
  int m = t->ndim - lead;
  lt_tensor *r = NULL;
  if (lt_tensor_is_contiguous(t) && m <= like->ndim &&
      !memcmp(t->size + lead, like->size + like->ndim - m, sizeof(int64_t) * (size_t)m)) {
    lt_tensor_retain(t);
    r = t;
  } else {
    lt_tensor *e = lt_expand(t, like->ndim, like->size);
    r = e ? lt_contiguous(e) : NULL;
    lt_tensor_release(e);
  }
  if (!r) {
    *ok = false;
    return NULL;
  }
  *per = lt_tensor_numel(r) > 0 ? lt_tensor_numel(r) : 1;
  return r;
}

static lt_tensor *pointwise(const char *fn, int kind, lt_tensor *grad_output, lt_tensor *input,
                            lt_tensor *target, lt_tensor *weight, lt_tensor *pos_weight,
                            lt_loss_reduction red, double beta) {
  lt_dtype dt = input->dtype;
  lt_cuda_at c;
  if (lt_cuda_at_of(fn, input, &c)) return NULL;
  ltk_pw k = {kind, (int)red, beta, lt_tensor_numel(input), 1, 1};
  bool ok = true;
  lt_tensor *x = as(input, dt, &ok), *t = as(target, dt, &ok), *g = as(grad_output, dt, &ok);
  lt_tensor *w = periodic(weight, input, &k.wper, &ok), *p = periodic(pos_weight, input, &k.pper, &ok);
  bool reduced = !grad_output && red != LT_REDUCE_NONE;
  lt_tensor *out = NULL;
  char *parts = NULL;
  size_t nparts = 0;
  if (!ok) goto done;
  out = reduced ? lt_tensor_empty_on(dt, 0, NULL, c.dev)
                : lt_tensor_empty_on(dt, input->ndim, input->size, c.dev);
  if (!out) goto done;
  if (reduced) {
    nparts = (size_t)ltk_loss_parts(k.n, c.sms) * 2 * sizeof(double);
    if (!(parts = lt_cuda_alloc(c.dev.index, nparts))) goto fail;
  }
  cudaError_t e = ltk_pw_loss(dt, k, lt_tensor_data(x), lt_tensor_data(t), ptr(w), ptr(p), ptr(g),
                              lt_tensor_data(out), (double *)parts, c.sms, c.st);
  if (e == cudaSuccess) goto done;
  lt_cuda_fail(fn, "the loss kernel", e);
fail:
  lt_tensor_release(out);
  out = NULL;
done:;
  if (parts) lt_cuda_free(c.dev.index, parts, nparts);
  lt_tensor *r[5] = {x, t, g, w, p};
  release_all(5, r);
  return out;
}

static lt_tensor *g_mse_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction) {
  return pointwise("mse_loss", LTK_PW_MSE, NULL, input, target, NULL, NULL, reduction, 1);
}
static lt_tensor *g_mse_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                      lt_loss_reduction reduction) {
  return pointwise("mse_loss_backward", LTK_PW_MSE, grad_output, input, target, NULL, NULL,
                   reduction, 1);
}
static lt_tensor *g_smooth_l1_loss(lt_tensor *input, lt_tensor *target,
                                   lt_loss_reduction reduction, double beta) {
  return pointwise("smooth_l1_loss", LTK_PW_SMOOTH_L1, NULL, input, target, NULL, NULL, reduction,
                   beta);
}
static lt_tensor *g_smooth_l1_loss_backward(lt_tensor *grad_output, lt_tensor *input,
                                            lt_tensor *target, lt_loss_reduction reduction,
                                            double beta) {
  return pointwise("smooth_l1_loss_backward", LTK_PW_SMOOTH_L1, grad_output, input, target, NULL,
                   NULL, reduction, beta);
}
static lt_tensor *g_bce_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                             lt_loss_reduction reduction) {
  return pointwise("bce_loss", LTK_PW_BCE, NULL, input, target, weight, NULL, reduction, 1);
}
static lt_tensor *g_bce_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                      lt_tensor *weight, lt_loss_reduction reduction) {
  return pointwise("bce_loss_backward", LTK_PW_BCE, grad_output, input, target, weight, NULL,
                   reduction, 1);
}
static lt_tensor *g_bce_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                    lt_tensor *pos_weight, lt_loss_reduction reduction) {
  return pointwise("bce_with_logits", LTK_PW_BCE_LOGITS, NULL, input, target, weight, pos_weight,
                   reduction, 1);
}
static lt_tensor *g_bce_with_logits_backward(lt_tensor *grad_output, lt_tensor *input,
                                             lt_tensor *target, lt_tensor *weight,
                                             lt_tensor *pos_weight, lt_loss_reduction reduction) {
  return pointwise("bce_with_logits_backward", LTK_PW_BCE_LOGITS, grad_output, input, target,
                   weight, pos_weight, reduction, 1);
}

void lt_cuda_nn_loss_init(lt_device_nn_ops *t) {
  t->softmax = g_softmax;
  t->softmax_backward = g_softmax_backward;
  t->nll_loss = g_nll_loss;
  t->nll_loss_backward = g_nll_loss_backward;
  t->cross_entropy = g_cross_entropy;
  t->cross_entropy_backward = g_cross_entropy_backward;
  t->mse_loss = g_mse_loss;
  t->mse_loss_backward = g_mse_loss_backward;
  t->smooth_l1_loss = g_smooth_l1_loss;
  t->smooth_l1_loss_backward = g_smooth_l1_loss_backward;
  t->bce_loss = g_bce_loss;
  t->bce_loss_backward = g_bce_loss_backward;
  t->bce_with_logits = g_bce_with_logits;
  t->bce_with_logits_backward = g_bce_with_logits_backward;
  lt_cuda_nn_act_init(t);
}

/* Losses, forward and backward: nll_loss, cross_entropy (log_softmax and
 * nll fused; backward is (softmax - onehot)·w·g in one pass), and the
 * pointwise losses mse, smooth_l1, bce, bce_with_logits.
 *
 * Losses are small next to the layers that feed them: the loops are plain
 * sequential C in double precision. A reduced loss is a 0-dim tensor; the
 * backward of a reduced loss takes a one-element gradient. */
#include <math.h>
#include <stdlib.h>

#include "nn_util.h"

/* ---- class losses ---- */

/* input (C), (N, C) or (N, C, d...) against target (), (N) or (N, d...):
 * N samples × K positions, classes C apart by `inner` = K. */
typedef struct cls_shape {
  int64_t N, C, K;
} cls_shape;

static int cls_check(const char *fn, lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                     cls_shape *s) {
  char a[96], b[96], c[96];
  if (nn_check_float(fn, "input", input) || nn_check_index(fn, "target", target) ||
      nn_check_like(fn, "weight", weight, input->dtype))
    return -1;
  if (input->ndim < 1) return lt_errorf("%s: input must have a class dimension", fn);
  int cd = input->ndim == 1 ? 0 : 1;
  s->C = input->size[cd];
  s->N = cd ? input->size[0] : 1;
  s->K = 1;
  for (int i = 2; i < input->ndim; i++) s->K *= input->size[i];
  /* target: input's shape without the class dim */
  int64_t ts[LT_MAX_DIMS];
  int tn = 0;
  for (int i = 0; i < input->ndim; i++)
    if (i != cd) ts[tn++] = input->size[i];
  if (target->ndim != tn || memcmp(target->size, ts, sizeof(int64_t) * (size_t)tn))
    return lt_errorf("%s: target has size %s, expected %s for input of size %s", fn,
                     lt_shape_str(target->ndim, target->size, a, 96), lt_shape_str(tn, ts, b, 96),
                     lt_shape_str(input->ndim, input->size, c, 96));
  if (weight && (weight->ndim != 1 || weight->size[0] != s->C))
    return lt_errorf("%s: weight has size %s, expected %lld (one per class)", fn,
                     lt_shape_str(weight->ndim, weight->size, a, 96), (long long)s->C);
  if (s->C < 1) return lt_errorf("%s: input has no classes", fn);
  return 0;
}

static int reduction_check(const char *fn, lt_loss_reduction r) {
  if (r != LT_REDUCE_NONE && r != LT_REDUCE_MEAN && r != LT_REDUCE_SUM)
    return lt_errorf("%s: unknown reduction %d", fn, (int)r);
  return 0;
}

static const char *const cls_dev_names[3] = {"input", "target", "weight"};

/* Walk samples: for sample (n, k) the class t (0-based) or -1 if ignored.
 * Returns -1 (error set) on a target out of range. */
static int cls_targets(const char *fn, const cls_shape *s, const int64_t *tg, int64_t ignore,
                       int64_t base, int64_t *cls) {
  for (int64_t i = 0; i < s->N * s->K; i++) {
    if (tg[i] == ignore) {
      cls[i] = -1;
      continue;
    }
    int64_t t = tg[i] - base;
    if (t < 0 || t >= s->C)
      return lt_errorf("%s: target %lld is out of range for %lld classes (classes count from %lld)",
                       fn, (long long)tg[i], (long long)s->C, (long long)base);
    cls[i] = t;
  }
  return 0;
}

/* loss from log-probabilities lp (contiguous); *total_weight 0-dim */
static lt_tensor *nll(const char *fn, lt_tensor *lp, lt_tensor *target, lt_tensor *weight,
                      lt_loss_reduction red, int64_t ignore, int64_t base, const cls_shape *s,
                      lt_tensor **total_weight) {
  lt_dtype dt = lp->dtype;
  lt_tensor *tg = nn_contig(target), *w = nn_contig(weight), *out = NULL, *tw = NULL;
  int64_t *cls = malloc(sizeof(int64_t) * (size_t)(s->N * s->K + 1));
  if (!tg || (weight && !w) || !cls) goto done;
  if (cls_targets(fn, s, lt_tensor_data(tg), ignore, base, cls)) goto done;
  const void *x = lt_tensor_data(lp), *wd = w ? lt_tensor_data(w) : NULL;
  out = red == LT_REDUCE_NONE ? lt_tensor_empty(dt, target->ndim, target->size)
                              : lt_tensor_empty(dt, 0, NULL);
  if (!out || !(tw = lt_tensor_empty(dt, 0, NULL))) goto done;
  double sum = 0, wsum = 0;
  for (int64_t n = 0; n < s->N; n++)
    for (int64_t k = 0; k < s->K; k++) {
      int64_t i = n * s->K + k, t = cls[i];
      double l = 0, wt = 0;
      if (t >= 0) {
        wt = wd ? nn_ld(dt, wd, t) : 1;
        l = -wt * nn_ld(dt, x, (n * s->C + t) * s->K + k);
      }
      if (red == LT_REDUCE_NONE) nn_st(dt, lt_tensor_data(out), i, l);
      sum += l;
      wsum += wt;
    }
  if (red != LT_REDUCE_NONE) nn_st(dt, lt_tensor_data(out), 0, red == LT_REDUCE_MEAN ? sum / wsum : sum);
  nn_st(dt, lt_tensor_data(tw), 0, wsum);
done:
  if (out && !tw) {
    lt_tensor_release(out);
    out = NULL;
  }
  free(cls);
  lt_tensor_release(tg);
  lt_tensor_release(w);
  if (out)
    *total_weight = tw;
  else
    lt_tensor_release(tw);
  return out;
}

/* The scale of each sample's gradient: g (or g[i]) / total for mean. */
static int grad_scale_check(const char *fn, lt_tensor *g, lt_loss_reduction red, lt_tensor *target) {
  if (nn_check_float(fn, "gradOutput", g)) return -1;
  if (red == LT_REDUCE_NONE) return nn_check_shape(fn, "gradOutput", g, target->ndim, target->size);
  if (lt_tensor_numel(g) != 1)
    return lt_errorf("%s: gradOutput of a reduced loss must have one element, got %lld", fn,
                     (long long)lt_tensor_numel(g));
  return 0;
}

/* Backward of nll (softmax NULL) or of cross_entropy (lp given: adds
 * softmax·a to every class of a sample with coefficient a). */
static lt_tensor *cls_backward(const char *fn, lt_tensor *grad_output, lt_tensor *input,
                               lt_tensor *target, lt_tensor *weight, lt_loss_reduction red,
                               int64_t ignore, int64_t base, lt_tensor *total_weight, bool fused) {
  cls_shape s;
  if (reduction_check(fn, red) || cls_check(fn, input, target, weight, &s) ||
      grad_scale_check(fn, grad_output, red, target))
    return NULL;
  if (red == LT_REDUCE_MEAN && (!total_weight || lt_tensor_numel(total_weight) != 1))
    return lt_error("%s: total_weight (one element, from the forward) is needed for mean reduction", fn);
  const lt_tensor *devs[5] = {input, grad_output, target, weight, total_weight};
  static const char *const dev_names[5] = {"input", "gradOutput", "target", "weight",
                                           "total_weight"};
  if (nn_check_devices(fn, 5, devs, dev_names)) return NULL;
  /* the device checks the targets itself; total_weight stays there */
  if (fused)
    NN_ON_DEVICE(NULL, fn, input, cross_entropy_backward, grad_output, input, target, weight, red,
                 ignore, base, total_weight);
  else
    NN_ON_DEVICE(NULL, fn, input, nll_loss_backward, grad_output, input, target, weight, red,
                 ignore, base, total_weight);
  lt_dtype dt = input->dtype;
  double total = red == LT_REDUCE_MEAN ? lt_dtype_load(total_weight->dtype,
                                                       lt_tensor_data(total_weight))
                                       : 1;
  lt_tensor *x = nn_contig(input), *tg = nn_contig(target), *w = nn_contig(weight);
  lt_tensor *g = nn_contig(grad_output), *gi = NULL;
  int64_t *cls = malloc(sizeof(int64_t) * (size_t)(s.N * s.K + 1));
  if (!x || !tg || (weight && !w) || !g || !cls) goto done;
  if (cls_targets(fn, &s, lt_tensor_data(tg), ignore, base, cls)) goto done;
  if (!(gi = lt_tensor_zeros(dt, input->ndim, input->size))) goto done;
  const void *wd = w ? lt_tensor_data(w) : NULL, *gd = lt_tensor_data(g), *xd = lt_tensor_data(x);
  void *o = lt_tensor_data(gi);
  double g0 = red == LT_REDUCE_NONE ? 0 : lt_dtype_load(g->dtype, gd) / total;
  for (int64_t n = 0; n < s.N; n++)
    for (int64_t k = 0; k < s.K; k++) {
      int64_t i = n * s.K + k, t = cls[i];
      if (t < 0) continue;
      double a = (wd ? nn_ld(dt, wd, t) : 1) * (red == LT_REDUCE_NONE ? nn_ld(dt, gd, i) : g0);
      if (fused)
        for (int64_t c = 0; c < s.C; c++) {
          int64_t j = (n * s.C + c) * s.K + k;
          nn_st(dt, o, j, a * exp(nn_ld(dt, xd, j)));
        }
      int64_t j = (n * s.C + t) * s.K + k;
      nn_st(dt, o, j, nn_ld(dt, o, j) - a);
    }
done:
  free(cls);
  lt_tensor *r[4] = {x, tg, w, g};
  nn_release(4, r);
  return gi;
}

lt_tensor *lt_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                       lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                       lt_tensor **total_weight) {
  const char *fn = "nll_loss";
  cls_shape s;
  *total_weight = NULL;
  if (reduction_check(fn, reduction) || cls_check(fn, input, target, weight, &s)) return NULL;
  const lt_tensor *devs[3] = {input, target, weight};
  if (nn_check_devices(fn, 3, devs, cls_dev_names)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, nll_loss, input, target, weight, reduction, ignore_index, base,
               total_weight);
  lt_tensor *x = nn_contig(input);
  lt_tensor *out = x ? nll(fn, x, target, weight, reduction, ignore_index, base, &s, total_weight) : NULL;
  lt_tensor_release(x);
  return out;
}

lt_tensor *lt_nll_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_tensor *weight, lt_loss_reduction reduction, int64_t ignore_index,
                                int64_t base, lt_tensor *total_weight) {
  return cls_backward("nll_loss_backward", grad_output, input, target, weight, reduction,
                      ignore_index, base, total_weight, false);
}

lt_tensor *lt_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                            lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                            lt_tensor **log_probs, lt_tensor **total_weight) {
  const char *fn = "cross_entropy";
  cls_shape s;
  *log_probs = *total_weight = NULL;
  if (reduction_check(fn, reduction) || cls_check(fn, input, target, weight, &s)) return NULL;
  const lt_tensor *devs[3] = {input, target, weight};
  if (nn_check_devices(fn, 3, devs, cls_dev_names)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, cross_entropy, input, target, weight, reduction, ignore_index, base,
               log_probs, total_weight);
  lt_tensor *lp = lt_log_softmax(input, input->ndim == 1 ? 0 : 1);
  if (!lp) return NULL;
  lt_tensor *out = nll(fn, lp, target, weight, reduction, ignore_index, base, &s, total_weight);
  if (!out) {
    lt_tensor_release(lp);
    return NULL;
  }
  *log_probs = lp;
  return out;
}

lt_tensor *lt_cross_entropy_backward(lt_tensor *grad_output, lt_tensor *log_probs,
                                     lt_tensor *target, lt_tensor *weight,
                                     lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                                     lt_tensor *total_weight) {
  return cls_backward("cross_entropy_backward", grad_output, log_probs, target, weight, reduction,
                      ignore_index, base, total_weight, true);
}

/* ---- pointwise losses ---- */

typedef enum { L_MSE, L_SMOOTH_L1, L_BCE, L_BCE_LOGITS } pw_kind;

static double clamp_log(double v) {
  double l = log(v);
  return l < -100 ? -100 : l;
}

/* loss and d loss / d x of one element */
static void pw_eval(pw_kind k, double x, double t, double w, double pw, double beta, double *l,
                    double *d) {
  switch (k) {
  case L_MSE:
    *l = (x - t) * (x - t);
    *d = 2 * (x - t);
    break;
  case L_SMOOTH_L1: {
    double z = x - t, a = fabs(z);
    if (a < beta) {
      *l = 0.5 * z * z / beta;
      *d = z / beta;
    } else {
      *l = a - 0.5 * beta;
      *d = z > 0 ? 1 : z < 0 ? -1 : 0;
    }
    break;
  }
  case L_BCE: {
    *l = -w * (t * clamp_log(x) + (1 - t) * clamp_log(1 - x));
    double den = (1 - x) * x;
    *d = w * (x - t) / (den > 1e-12 ? den : 1e-12);
    break;
  }
  case L_BCE_LOGITS: { /* (1-t)·x + l·softplus(-x), l = 1 + (pw-1)·t */
    double lw = 1 + (pw - 1) * t, sp = log1p(exp(-fabs(x))) + (x < 0 ? -x : 0);
    *l = w * ((1 - t) * x + lw * sp);
    *d = w * (lw / (1 + exp(-x)) - pw * t);
    break;
  }
  }
}

/* t (weight or pos_weight) of input's dtype, expanded to like's shape: a
 * new view, or NULL with the error. */
static lt_tensor *expand_checked(const char *fn, const char *what, lt_tensor *t,
                                 const lt_tensor *like) {
  if (nn_check_like(fn, what, t, like->dtype)) return NULL;
  lt_tensor *e = lt_expand(t, like->ndim, like->size);
  char a[96];
  if (!e) return lt_error("%s: %s of size %s does not broadcast to the input's shape", fn, what,
                          lt_shape_str(t->ndim, t->size, a, 96));
  return e;
}

/* The optional weight (input's shape, broadcast) and pos_weight (last dim)
 * expanded to input's shape, contiguous; NULL stays NULL. */
static int expand_to(const char *fn, const char *what, lt_tensor *t, const lt_tensor *like,
                     lt_tensor **out) {
  *out = NULL;
  if (!t) return 0;
  lt_tensor *e = expand_checked(fn, what, t, like);
  if (!e) return -1;
  *out = lt_contiguous(e);
  lt_tensor_release(e);
  return *out ? 0 : -1;
}

/* weight / pos_weight (NULL passes): checked without copying (the device
 * path expands them itself). */
static int bcast_check(const char *fn, const char *what, lt_tensor *t, const lt_tensor *like) {
  if (!t) return 0;
  lt_tensor *e = expand_checked(fn, what, t, like);
  if (!e) return -1;
  lt_tensor_release(e);
  return 0;
}

/* The device's entry for a pointwise loss (forward when g is NULL). */
static lt_tensor *pw_device(const char *fn, pw_kind k, lt_tensor *g, lt_tensor *x, lt_tensor *t,
                            lt_tensor *w, lt_tensor *p, lt_loss_reduction red, double beta) {
  switch (k) {
  case L_MSE:
    if (g) NN_ON_DEVICE(NULL, fn, x, mse_loss_backward, g, x, t, red);
    NN_ON_DEVICE(NULL, fn, x, mse_loss, x, t, red);
    break;
  case L_SMOOTH_L1:
    if (g) NN_ON_DEVICE(NULL, fn, x, smooth_l1_loss_backward, g, x, t, red, beta);
    NN_ON_DEVICE(NULL, fn, x, smooth_l1_loss, x, t, red, beta);
    break;
  case L_BCE:
    if (g) NN_ON_DEVICE(NULL, fn, x, bce_loss_backward, g, x, t, w, red);
    NN_ON_DEVICE(NULL, fn, x, bce_loss, x, t, w, red);
    break;
  case L_BCE_LOGITS:
    if (g) NN_ON_DEVICE(NULL, fn, x, bce_with_logits_backward, g, x, t, w, p, red);
    NN_ON_DEVICE(NULL, fn, x, bce_with_logits, x, t, w, p, red);
    break;
  }
  return lt_error("%s: expected a device tensor", fn);
}

static lt_tensor *pointwise(const char *fn, pw_kind k, lt_tensor *grad_output, lt_tensor *input,
                            lt_tensor *target, lt_tensor *weight, lt_tensor *pos_weight,
                            lt_loss_reduction red, double beta) {
  if (reduction_check(fn, red) || nn_check_float(fn, "input", input) ||
      nn_check_float(fn, "target", target) || nn_check_like(fn, "target", target, input->dtype) ||
      nn_check_shape(fn, "target", target, input->ndim, input->size))
    return NULL;
  if (beta < 0) return lt_error("%s: beta must be non-negative, got %g", fn, beta);
  if (grad_output && grad_scale_check(fn, grad_output, red, input)) return NULL;
  if (bcast_check(fn, "weight", weight, input) || bcast_check(fn, "pos_weight", pos_weight, input))
    return NULL;
  const lt_tensor *devs[5] = {input, target, grad_output, weight, pos_weight};
  static const char *const dev_names[5] = {"input", "target", "gradOutput", "weight", "pos_weight"};
  if (nn_check_devices(fn, 5, devs, dev_names)) return NULL;
  if (lt_tensor_device(input).type != LT_CPU)
    return pw_device(fn, k, grad_output, input, target, weight, pos_weight, red, beta);
  lt_dtype dt = input->dtype;
  int64_t n = lt_tensor_numel(input);
  lt_tensor *x = nn_contig(input), *t = nn_contig(target), *g = nn_contig(grad_output);
  lt_tensor *w = NULL, *p = NULL, *out = NULL;
  if (!x || !t || (grad_output && !g)) goto done;
  if (expand_to(fn, "weight", weight, input, &w) || expand_to(fn, "pos_weight", pos_weight, input, &p))
    goto done;
  bool reduced = grad_output ? false : red != LT_REDUCE_NONE;
  out = reduced ? lt_tensor_empty(dt, 0, NULL) : lt_tensor_empty(dt, input->ndim, input->size);
  if (!out) goto done;
  const void *xd = lt_tensor_data(x), *td = lt_tensor_data(t);
  const void *wd = w ? lt_tensor_data(w) : NULL, *pd = p ? lt_tensor_data(p) : NULL;
  void *o = lt_tensor_data(out);
  double scale = red == LT_REDUCE_MEAN ? 1.0 / (double)n : 1, sum = 0;
  double g0 = g && red != LT_REDUCE_NONE ? lt_dtype_load(g->dtype, lt_tensor_data(g)) * scale : 0;
  for (int64_t i = 0; i < n; i++) {
    double l, d;
    pw_eval(k, nn_ld(dt, xd, i), nn_ld(dt, td, i), wd ? nn_ld(dt, wd, i) : 1,
            pd ? nn_ld(dt, pd, i) : 1, beta, &l, &d);
    if (g)
      nn_st(dt, o, i, d * (red == LT_REDUCE_NONE ? nn_ld(dt, lt_tensor_data(g), i) : g0));
    else if (reduced)
      sum += l;
    else
      nn_st(dt, o, i, l);
  }
  if (reduced) nn_st(dt, o, 0, sum * scale);
done:;
  lt_tensor *r[5] = {x, t, g, w, p};
  nn_release(5, r);
  return out;
}

lt_tensor *lt_mse_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction) {
  return pointwise("mse_loss", L_MSE, NULL, input, target, NULL, NULL, reduction, 1);
}
lt_tensor *lt_mse_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_loss_reduction reduction) {
  if (!grad_output) return lt_error("mse_loss_backward: gradOutput is missing");
  return pointwise("mse_loss_backward", L_MSE, grad_output, input, target, NULL, NULL, reduction, 1);
}
lt_tensor *lt_smooth_l1_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction,
                             double beta) {
  return pointwise("smooth_l1_loss", L_SMOOTH_L1, NULL, input, target, NULL, NULL, reduction, beta);
}
lt_tensor *lt_smooth_l1_loss_backward(lt_tensor *grad_output, lt_tensor *input,
                                      lt_tensor *target, lt_loss_reduction reduction, double beta) {
  if (!grad_output) return lt_error("smooth_l1_loss_backward: gradOutput is missing");
  return pointwise("smooth_l1_loss_backward", L_SMOOTH_L1, grad_output, input, target, NULL, NULL,
                   reduction, beta);
}
lt_tensor *lt_bce_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                       lt_loss_reduction reduction) {
  return pointwise("bce_loss", L_BCE, NULL, input, target, weight, NULL, reduction, 1);
}
lt_tensor *lt_bce_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_tensor *weight, lt_loss_reduction reduction) {
  if (!grad_output) return lt_error("bce_loss_backward: gradOutput is missing");
  return pointwise("bce_loss_backward", L_BCE, grad_output, input, target, weight, NULL, reduction, 1);
}
lt_tensor *lt_bce_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                              lt_tensor *pos_weight, lt_loss_reduction reduction) {
  return pointwise("bce_with_logits", L_BCE_LOGITS, NULL, input, target, weight, pos_weight,
                   reduction, 1);
}
lt_tensor *lt_bce_with_logits_backward(lt_tensor *grad_output, lt_tensor *input,
                                       lt_tensor *target, lt_tensor *weight,
                                       lt_tensor *pos_weight, lt_loss_reduction reduction) {
  if (!grad_output) return lt_error("bce_with_logits_backward: gradOutput is missing");
  return pointwise("bce_with_logits_backward", L_BCE_LOGITS, grad_output, input, target, weight,
                   pos_weight, reduction, 1);
}

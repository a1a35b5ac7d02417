/* Bindings of the nn kernels (lib/include/lutorch/nn.h) as plain torch
 * functions: torch.conv2d(input, weight, bias, stride, padding, ...) (the
 * recorded lt_nn_conv2d: differentiable) and torch.conv2d_backward(
 * gradOutput, input, weight, ...) (the raw fused kernel), argument orders as
 * PyTorch's functional forms. Optional arguments may be nil. Sizes
 * (stride, padding, kernel...) are a number (every dim) or a table with one
 * number per dim. Lua conventions: dims are 1-based, pool indices and class
 * targets count from 1 (Torch7). Backward functions take an optional table
 * of booleans saying which gradients to compute and return nil for the
 * others. Lua-level defaults and aliases live in lua/torch/nnfunc.lua. */
#include <string.h>

#include "binding.h"

#define BASE 1 /* Lua indices and targets count from 1 */

static lt_tensor *opt_tensor(lua_State *L, int idx, const char *fn) {
  if (lua_isnoneornil(L, idx)) return NULL;
  lt_tensor *t = lb_to_tensor(L, idx);
  if (!t) lb_arg_error(L, fn, idx, "a tensor or nil");
  return t;
}

/* n sizes at idx: nil (def), a number (all dims) or a table of n numbers */
static const int64_t *sizes(lua_State *L, int idx, const char *fn, int n, int64_t def,
                            int64_t *out) {
  if (lua_isnoneornil(L, idx)) {
    if (def < 0) return NULL;
    for (int i = 0; i < n; i++) out[i] = def;
    return out;
  }
  if (lua_isnumber(L, idx)) {
    for (int i = 0; i < n; i++) out[i] = (int64_t)lua_tonumber(L, idx);
    return out;
  }
  if (!lua_istable(L, idx) || (int)lua_objlen(L, idx) != n) {
    char want[64];
    snprintf(want, sizeof want, "a number or a table of %d numbers", n);
    lb_arg_error(L, fn, idx, want);
  }
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (!lua_isnumber(L, -1)) lb_arg_error(L, fn, idx, "a table of numbers");
    out[i] = (int64_t)lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return out;
}

static int64_t opt_int(lua_State *L, int idx, const char *fn, int64_t def) {
  if (lua_isnoneornil(L, idx)) return def;
  if (!lua_isnumber(L, idx)) lb_arg_error(L, fn, idx, "a number");
  return (int64_t)lua_tonumber(L, idx);
}

static double opt_num(lua_State *L, int idx, const char *fn, double def) {
  if (lua_isnoneornil(L, idx)) return def;
  if (!lua_isnumber(L, idx)) lb_arg_error(L, fn, idx, "a number");
  return lua_tonumber(L, idx);
}

static bool opt_bool(lua_State *L, int idx, const char *fn, bool def) {
  if (lua_isnoneornil(L, idx)) return def;
  if (!lua_isboolean(L, idx)) lb_arg_error(L, fn, idx, "a boolean");
  return lua_toboolean(L, idx);
}

/* which gradients: nil = all, else a table of n booleans */
static bool *needs(lua_State *L, int idx, const char *fn, int n, bool *out) {
  for (int i = 0; i < n; i++) out[i] = true;
  if (lua_isnoneornil(L, idx)) return out;
  if (!lua_istable(L, idx)) lb_arg_error(L, fn, idx, "a table of booleans (which gradients)");
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    out[i] = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  return out;
}

static lt_loss_reduction reduction(lua_State *L, int idx, const char *fn) {
  if (lua_isnoneornil(L, idx)) return LT_REDUCE_MEAN;
  const char *s = lua_tostring(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    if (!strcmp(s, "mean")) return LT_REDUCE_MEAN;
    if (!strcmp(s, "sum")) return LT_REDUCE_SUM;
    if (!strcmp(s, "none")) return LT_REDUCE_NONE;
  }
  return (lt_loss_reduction)lb_arg_error(L, fn, idx, "a reduction: 'mean', 'sum' or 'none'");
}

/* Push n results (NULL as nil); on rc != 0 raise the pending error. */
static int results(lua_State *L, int rc, int n, lt_tensor **r) {
  if (rc) {
    for (int i = 0; i < n; i++) lt_tensor_release(r[i]);
    return lb_error(L);
  }
  for (int i = 0; i < n; i++) {
    if (r[i])
      lb_wrap_tensor(L, r[i]);
    else
      lua_pushnil(L);
  }
  return n;
}

#define T(i) lb_check_tensor(L, i, fn)

/* ---- convolutions ---- */

typedef lt_tensor *(*conv_fwd)(lt_tensor *, lt_tensor *, lt_tensor *, const int64_t *,
                               const int64_t *, const int64_t *, int64_t);
typedef int (*conv_bwd)(lt_tensor *, lt_tensor *, lt_tensor *, const int64_t *, const int64_t *,
                        const int64_t *, int64_t, const bool *, lt_tensor **, lt_tensor **,
                        lt_tensor **);

/* conv<D>d(input, weight, bias, stride, padding, dilation, groups) */
static int conv_f(lua_State *L, const char *fn, int D, conv_fwd f) {
  int64_t s[3], p[3], d[3];
  lt_tensor *x = T(1), *w = T(2), *b = opt_tensor(L, 3, fn);
  return lb_push_tensor(L, f(x, w, b, sizes(L, 4, fn, D, 1, s), sizes(L, 5, fn, D, 0, p),
                             sizes(L, 6, fn, D, 1, d), opt_int(L, 7, fn, 1)));
}

/* conv<D>d_backward(gradOutput, input, weight, stride, padding, dilation, groups, need) */
static int conv_b(lua_State *L, const char *fn, int D, conv_bwd f) {
  int64_t s[3], p[3], d[3];
  bool need[3];
  lt_tensor *r[3] = {0};
  int rc = f(T(1), T(2), T(3), sizes(L, 4, fn, D, 1, s), sizes(L, 5, fn, D, 0, p),
             sizes(L, 6, fn, D, 1, d), opt_int(L, 7, fn, 1), needs(L, 8, fn, 3, need), &r[0],
             &r[1], &r[2]);
  return results(L, rc, 3, r);
}

static int l_conv1d(lua_State *L) { return conv_f(L, "conv1d", 1, lt_nn_conv1d); }
static int l_conv2d(lua_State *L) { return conv_f(L, "conv2d", 2, lt_nn_conv2d); }
static int l_conv3d(lua_State *L) { return conv_f(L, "conv3d", 3, lt_nn_conv3d); }
static int l_conv1d_backward(lua_State *L) { return conv_b(L, "conv1d_backward", 1, lt_conv1d_backward); }
static int l_conv2d_backward(lua_State *L) { return conv_b(L, "conv2d_backward", 2, lt_conv2d_backward); }
static int l_conv3d_backward(lua_State *L) { return conv_b(L, "conv3d_backward", 3, lt_conv3d_backward); }

/* conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation) */
static int l_conv_transpose2d(lua_State *L) {
  const char *fn = "conv_transpose2d";
  int64_t s[2], p[2], op[2], d[2];
  lt_tensor *x = T(1), *w = T(2), *b = opt_tensor(L, 3, fn);
  return lb_push_tensor(L, lt_nn_conv_transpose2d(x, w, b, sizes(L, 4, fn, 2, 1, s),
                                               sizes(L, 5, fn, 2, 0, p), sizes(L, 6, fn, 2, 0, op),
                                               sizes(L, 8, fn, 2, 1, d), opt_int(L, 7, fn, 1)));
}

static int l_conv_transpose2d_backward(lua_State *L) {
  const char *fn = "conv_transpose2d_backward";
  int64_t s[2], p[2], op[2], d[2];
  bool need[3];
  lt_tensor *r[3] = {0};
  int rc = lt_conv_transpose2d_backward(T(1), T(2), T(3), sizes(L, 4, fn, 2, 1, s),
                                        sizes(L, 5, fn, 2, 0, p), sizes(L, 6, fn, 2, 0, op),
                                        sizes(L, 8, fn, 2, 1, d), opt_int(L, 7, fn, 1),
                                        needs(L, 9, fn, 3, need), &r[0], &r[1], &r[2]);
  return results(L, rc, 3, r);
}

/* ---- pooling ---- */

/* max_pool2d(input, kernel, stride, padding, dilation, ceil_mode) -> output, indices */
static int l_max_pool2d(lua_State *L) {
  const char *fn = "max_pool2d";
  int64_t k[2], s[2], p[2], d[2];
  lt_tensor *x = T(1), *r[2] = {0};
  if (lua_isnoneornil(L, 2)) lb_arg_error(L, fn, 2, "a kernel size");
  r[0] = lt_nn_max_pool2d(x, sizes(L, 2, fn, 2, 1, k), sizes(L, 3, fn, 2, -1, s),
                       sizes(L, 4, fn, 2, 0, p), sizes(L, 5, fn, 2, 1, d),
                       opt_bool(L, 6, fn, false), BASE, &r[1]);
  return results(L, r[0] ? 0 : -1, 2, r);
}

static int l_max_pool2d_backward(lua_State *L) {
  const char *fn = "max_pool2d_backward";
  return lb_push_tensor(L, lt_max_pool2d_backward(T(1), T(2), T(3), BASE));
}

/* avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override) */
static int avg_args(lua_State *L, const char *fn, int i, int64_t *k, int64_t *s, int64_t *p,
                    const int64_t **ks, const int64_t **ss, bool *ceil, bool *cip, int64_t *div) {
  if (lua_isnoneornil(L, i)) lb_arg_error(L, fn, i, "a kernel size");
  *ks = sizes(L, i, fn, 2, 1, k);
  *ss = sizes(L, i + 1, fn, 2, -1, s);
  sizes(L, i + 2, fn, 2, 0, p);
  *ceil = opt_bool(L, i + 3, fn, false);
  *cip = opt_bool(L, i + 4, fn, true);
  *div = opt_int(L, i + 5, fn, 0);
  return 0;
}

static int l_avg_pool2d(lua_State *L) {
  const char *fn = "avg_pool2d";
  int64_t k[2], s[2], p[2], div;
  const int64_t *ks, *ss;
  bool ceil, cip;
  lt_tensor *x = T(1);
  avg_args(L, fn, 2, k, s, p, &ks, &ss, &ceil, &cip, &div);
  return lb_push_tensor(L, lt_nn_avg_pool2d(x, ks, ss, p, ceil, cip, div));
}

static int l_avg_pool2d_backward(lua_State *L) {
  const char *fn = "avg_pool2d_backward";
  int64_t k[2], s[2], p[2], div;
  const int64_t *ks, *ss;
  bool ceil, cip;
  lt_tensor *g = T(1), *x = T(2);
  avg_args(L, fn, 3, k, s, p, &ks, &ss, &ceil, &cip, &div);
  return lb_push_tensor(L, lt_avg_pool2d_backward(g, x, ks, ss, p, ceil, cip, div));
}

static int l_adaptive_avg_pool2d(lua_State *L) {
  const char *fn = "adaptive_avg_pool2d";
  int64_t o[2];
  lt_tensor *x = T(1);
  if (lua_isnoneornil(L, 2)) lb_arg_error(L, fn, 2, "an output size");
  return lb_push_tensor(L, lt_nn_adaptive_avg_pool2d(x, sizes(L, 2, fn, 2, 1, o)));
}

static int l_adaptive_avg_pool2d_backward(lua_State *L) {
  const char *fn = "adaptive_avg_pool2d_backward";
  return lb_push_tensor(L, lt_adaptive_avg_pool2d_backward(T(1), T(2)));
}

static int l_adaptive_max_pool2d(lua_State *L) {
  const char *fn = "adaptive_max_pool2d";
  int64_t o[2];
  lt_tensor *x = T(1), *r[2] = {0};
  if (lua_isnoneornil(L, 2)) lb_arg_error(L, fn, 2, "an output size");
  r[0] = lt_nn_adaptive_max_pool2d(x, sizes(L, 2, fn, 2, 1, o), BASE, &r[1]);
  return results(L, r[0] ? 0 : -1, 2, r);
}

static int l_adaptive_max_pool2d_backward(lua_State *L) {
  const char *fn = "adaptive_max_pool2d_backward";
  return lb_push_tensor(L, lt_adaptive_max_pool2d_backward(T(1), T(2), T(3), BASE));
}

/* max_unpool2d(input, indices, output_size) */
static int l_max_unpool2d(lua_State *L) {
  const char *fn = "max_unpool2d";
  int64_t o[2];
  lt_tensor *x = T(1), *ix = T(2);
  if (lua_isnoneornil(L, 3)) lb_arg_error(L, fn, 3, "an output size");
  return lb_push_tensor(L, lt_nn_max_unpool2d(x, ix, sizes(L, 3, fn, 2, 1, o), BASE));
}

static int l_max_unpool2d_backward(lua_State *L) {
  const char *fn = "max_unpool2d_backward";
  return lb_push_tensor(L, lt_max_unpool2d_backward(T(1), T(2), BASE));
}

/* ---- normalization ---- */

/* batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
 * -> output, save_mean, save_invstd */
static int l_batch_norm(lua_State *L) {
  const char *fn = "batch_norm";
  lt_tensor *x = T(1), *rm = opt_tensor(L, 2, fn), *rv = opt_tensor(L, 3, fn);
  lt_tensor *w = opt_tensor(L, 4, fn), *b = opt_tensor(L, 5, fn), *r[3] = {0};
  r[0] = lt_nn_batch_norm(x, w, b, rm, rv, opt_bool(L, 6, fn, false), opt_num(L, 7, fn, 0.1),
                       opt_num(L, 8, fn, 1e-5), &r[1], &r[2]);
  return results(L, r[0] ? 0 : -1, 3, r);
}

/* batch_norm_backward(gradOutput, input, weight, save_mean, save_invstd, training, need) */
static int l_batch_norm_backward(lua_State *L) {
  const char *fn = "batch_norm_backward";
  bool need[3];
  lt_tensor *r[3] = {0};
  int rc = lt_batch_norm_backward(T(1), T(2), opt_tensor(L, 3, fn), opt_tensor(L, 4, fn),
                                  opt_tensor(L, 5, fn), opt_bool(L, 6, fn, true),
                                  needs(L, 7, fn, 3, need), &r[0], &r[1], &r[2]);
  return results(L, rc, 3, r);
}

/* normalized_shape (number or table) -> count of trailing dims, checked */
static int norm_dims(lua_State *L, int idx, const char *fn, const lt_tensor *x) {
  int64_t s[LT_MAX_DIMS];
  int n;
  if (lua_isnumber(L, idx)) {
    s[0] = (int64_t)lua_tonumber(L, idx);
    n = 1;
  } else if (lua_istable(L, idx)) {
    n = lb_check_sizes(L, idx, fn, s);
  } else {
    return lb_arg_error(L, fn, idx, "a normalized shape (a number or a table of sizes)");
  }
  if (n < 1 || n > x->ndim || memcmp(s, x->size + x->ndim - n, sizeof(int64_t) * (size_t)n)) {
    char a[96], b[96];
    return lb_errorf(L, "torch.%s: normalized shape %s does not match the last dims of input of size %s",
                     fn, lt_shape_str(n, s, a, 96), lt_shape_str(x->ndim, x->size, b, 96));
  }
  return n;
}

/* layer_norm(input, normalized_shape, weight, bias, eps) -> output, mean, rstd */
static int l_layer_norm(lua_State *L) {
  const char *fn = "layer_norm";
  lt_tensor *x = T(1), *r[3] = {0};
  int nd = norm_dims(L, 2, fn, x);
  r[0] = lt_nn_layer_norm(x, nd, opt_tensor(L, 3, fn), opt_tensor(L, 4, fn), opt_num(L, 5, fn, 1e-5),
                       &r[1], &r[2]);
  return results(L, r[0] ? 0 : -1, 3, r);
}

/* layer_norm_backward(gradOutput, input, normalized_shape, weight, mean, rstd, need) */
static int l_layer_norm_backward(lua_State *L) {
  const char *fn = "layer_norm_backward";
  bool need[3];
  lt_tensor *g = T(1), *x = T(2), *r[3] = {0};
  int nd = norm_dims(L, 3, fn, x);
  int rc = lt_layer_norm_backward(g, x, nd, opt_tensor(L, 4, fn), opt_tensor(L, 5, fn),
                                  opt_tensor(L, 6, fn), needs(L, 7, fn, 3, need), &r[0], &r[1],
                                  &r[2]);
  return results(L, rc, 3, r);
}

/* ---- softmax ---- */

/* a 1-based dim (default: the last) */
static int sm_dim(lua_State *L, int idx, const char *fn, const lt_tensor *x) {
  if (lua_isnoneornil(L, idx)) return x->ndim ? x->ndim - 1 : 0;
  return lb_check_dim(L, idx, fn, x->ndim);
}

#define SOFTMAX_B(NAME)                                                                    \
  static int l_##NAME(lua_State *L) {                                                      \
    const char *fn = #NAME;                                                                \
    lt_tensor *x = T(1);                                                                   \
    return lb_push_tensor(L, lt_nn_##NAME(x, sm_dim(L, 2, fn, x)));                           \
  }                                                                                        \
  static int l_##NAME##_backward(lua_State *L) {                                           \
    const char *fn = #NAME "_backward";                                                    \
    lt_tensor *g = T(1), *y = T(2);                                                        \
    return lb_push_tensor(L, lt_##NAME##_backward(g, y, sm_dim(L, 3, fn, y)));             \
  }
SOFTMAX_B(softmax)
SOFTMAX_B(log_softmax)

/* ---- losses ---- */

/* nll_loss(input, target, weight, reduction, ignore_index) -> loss, total_weight */
static int l_nll_loss(lua_State *L) {
  const char *fn = "nll_loss";
  lt_tensor *x = T(1), *t = T(2), *r[2] = {0};
  r[0] = lt_nn_nll_loss(x, t, opt_tensor(L, 3, fn), reduction(L, 4, fn), opt_int(L, 5, fn, -100),
                     BASE, &r[1]);
  return results(L, r[0] ? 0 : -1, 2, r);
}

/* nll_loss_backward(gradOutput, input, target, weight, reduction, ignore_index, total_weight) */
static int l_nll_loss_backward(lua_State *L) {
  const char *fn = "nll_loss_backward";
  lt_tensor *g = T(1), *x = T(2), *t = T(3);
  return lb_push_tensor(L, lt_nll_loss_backward(g, x, t, opt_tensor(L, 4, fn), reduction(L, 5, fn),
                                                opt_int(L, 6, fn, -100), BASE,
                                                opt_tensor(L, 7, fn)));
}

/* cross_entropy(input, target, weight, reduction, ignore_index) -> loss, log_probs, total_weight */
static int l_cross_entropy(lua_State *L) {
  const char *fn = "cross_entropy";
  lt_tensor *x = T(1), *t = T(2), *r[3] = {0};
  r[0] = lt_nn_cross_entropy(x, t, opt_tensor(L, 3, fn), reduction(L, 4, fn),
                          opt_int(L, 5, fn, -100), BASE, &r[1], &r[2]);
  return results(L, r[0] ? 0 : -1, 3, r);
}

/* cross_entropy_backward(gradOutput, log_probs, target, weight, reduction, ignore_index, total_weight) */
static int l_cross_entropy_backward(lua_State *L) {
  const char *fn = "cross_entropy_backward";
  lt_tensor *g = T(1), *lp = T(2), *t = T(3);
  return lb_push_tensor(L, lt_cross_entropy_backward(g, lp, t, opt_tensor(L, 4, fn),
                                                     reduction(L, 5, fn), opt_int(L, 6, fn, -100),
                                                     BASE, opt_tensor(L, 7, fn)));
}

static int l_mse_loss(lua_State *L) {
  const char *fn = "mse_loss";
  lt_tensor *x = T(1), *t = T(2);
  return lb_push_tensor(L, lt_nn_mse_loss(x, t, reduction(L, 3, fn)));
}
static int l_mse_loss_backward(lua_State *L) {
  const char *fn = "mse_loss_backward";
  lt_tensor *g = T(1), *x = T(2), *t = T(3);
  return lb_push_tensor(L, lt_mse_loss_backward(g, x, t, reduction(L, 4, fn)));
}
static int l_smooth_l1_loss(lua_State *L) {
  const char *fn = "smooth_l1_loss";
  lt_tensor *x = T(1), *t = T(2);
  return lb_push_tensor(L, lt_nn_smooth_l1_loss(x, t, reduction(L, 3, fn), opt_num(L, 4, fn, 1)));
}
static int l_smooth_l1_loss_backward(lua_State *L) {
  const char *fn = "smooth_l1_loss_backward";
  lt_tensor *g = T(1), *x = T(2), *t = T(3);
  return lb_push_tensor(L, lt_smooth_l1_loss_backward(g, x, t, reduction(L, 4, fn),
                                                      opt_num(L, 5, fn, 1)));
}
/* bce_loss(input, target, weight, reduction) */
static int l_bce_loss(lua_State *L) {
  const char *fn = "bce_loss";
  lt_tensor *x = T(1), *t = T(2);
  return lb_push_tensor(L, lt_nn_bce_loss(x, t, opt_tensor(L, 3, fn), reduction(L, 4, fn)));
}
static int l_bce_loss_backward(lua_State *L) {
  const char *fn = "bce_loss_backward";
  lt_tensor *g = T(1), *x = T(2), *t = T(3);
  return lb_push_tensor(L, lt_bce_loss_backward(g, x, t, opt_tensor(L, 4, fn), reduction(L, 5, fn)));
}
/* bce_with_logits(input, target, weight, pos_weight, reduction) */
static int l_bce_with_logits(lua_State *L) {
  const char *fn = "bce_with_logits";
  lt_tensor *x = T(1), *t = T(2);
  return lb_push_tensor(L, lt_nn_bce_with_logits(x, t, opt_tensor(L, 3, fn), opt_tensor(L, 4, fn),
                                              reduction(L, 5, fn)));
}
static int l_bce_with_logits_backward(lua_State *L) {
  const char *fn = "bce_with_logits_backward";
  lt_tensor *g = T(1), *x = T(2), *t = T(3);
  return lb_push_tensor(L, lt_bce_with_logits_backward(g, x, t, opt_tensor(L, 4, fn),
                                                       opt_tensor(L, 5, fn), reduction(L, 6, fn)));
}

/* ---- activations: f(x, params...) and f_backward(gradOutput, x, params...) ---- */

static int l_gelu(lua_State *L) { const char *fn = "gelu"; return lb_push_tensor(L, lt_nn_gelu(T(1))); }
static int l_gelu_backward(lua_State *L) {
  const char *fn = "gelu_backward";
  return lb_push_tensor(L, lt_gelu_backward(T(1), T(2)));
}
static int l_elu(lua_State *L) {
  const char *fn = "elu";
  lt_tensor *x = T(1);
  return lb_push_tensor(L, lt_nn_elu(x, opt_num(L, 2, fn, 1), opt_num(L, 3, fn, 1), opt_num(L, 4, fn, 1)));
}
static int l_elu_backward(lua_State *L) {
  const char *fn = "elu_backward";
  lt_tensor *g = T(1), *x = T(2);
  return lb_push_tensor(L, lt_elu_backward(g, x, opt_num(L, 3, fn, 1), opt_num(L, 4, fn, 1),
                                           opt_num(L, 5, fn, 1)));
}
static int l_selu(lua_State *L) { const char *fn = "selu"; return lb_push_tensor(L, lt_nn_selu(T(1))); }
static int l_selu_backward(lua_State *L) {
  const char *fn = "selu_backward";
  return lb_push_tensor(L, lt_selu_backward(T(1), T(2)));
}
static int l_leaky_relu(lua_State *L) {
  const char *fn = "leaky_relu";
  lt_tensor *x = T(1);
  return lb_push_tensor(L, lt_nn_leaky_relu(x, opt_num(L, 2, fn, 0.01)));
}
static int l_leaky_relu_backward(lua_State *L) {
  const char *fn = "leaky_relu_backward";
  lt_tensor *g = T(1), *x = T(2);
  return lb_push_tensor(L, lt_leaky_relu_backward(g, x, opt_num(L, 3, fn, 0.01)));
}
static int l_hardtanh(lua_State *L) {
  const char *fn = "hardtanh";
  lt_tensor *x = T(1);
  return lb_push_tensor(L, lt_nn_hardtanh(x, opt_num(L, 2, fn, -1), opt_num(L, 3, fn, 1)));
}
static int l_hardtanh_backward(lua_State *L) {
  const char *fn = "hardtanh_backward";
  lt_tensor *g = T(1), *x = T(2);
  return lb_push_tensor(L, lt_hardtanh_backward(g, x, opt_num(L, 3, fn, -1), opt_num(L, 4, fn, 1)));
}
static int l_relu6(lua_State *L) { const char *fn = "relu6"; return lb_push_tensor(L, lt_nn_relu6(T(1))); }
static int l_relu6_backward(lua_State *L) {
  const char *fn = "relu6_backward";
  return lb_push_tensor(L, lt_relu6_backward(T(1), T(2)));
}
static int l_softplus(lua_State *L) {
  const char *fn = "softplus";
  lt_tensor *x = T(1);
  return lb_push_tensor(L, lt_nn_softplus(x, opt_num(L, 2, fn, 1), opt_num(L, 3, fn, 20)));
}
static int l_softplus_backward(lua_State *L) {
  const char *fn = "softplus_backward";
  lt_tensor *g = T(1), *x = T(2);
  return lb_push_tensor(L, lt_softplus_backward(g, x, opt_num(L, 3, fn, 1), opt_num(L, 4, fn, 20)));
}

/* ---- recurrent cells ---- */

/* lstm_cell(input, hx, cx, w_ih, w_hh, b_ih, b_hh) -> h, c, gates */
static int l_lstm_cell(lua_State *L) {
  const char *fn = "lstm_cell";
  lt_tensor *r[3] = {0};
  int rc = lt_nn_lstm_cell(T(1), T(2), T(3), T(4), T(5), opt_tensor(L, 6, fn), opt_tensor(L, 7, fn),
                        &r[0], &r[1], &r[2]);
  return results(L, rc, 3, r);
}

/* lstm_cell_backward(gradH, gradC, input, hx, cx, w_ih, w_hh, gates, c, need)
 * -> gradInput, gradHx, gradCx, gradW_ih, gradW_hh, gradBias */
static int l_lstm_cell_backward(lua_State *L) {
  const char *fn = "lstm_cell_backward";
  bool need[6];
  lt_tensor *r[6] = {0};
  lt_tensor *gh = opt_tensor(L, 1, fn), *gc = opt_tensor(L, 2, fn);
  int rc = lt_lstm_cell_backward(gh, gc, T(3), T(4), T(5), T(6), T(7), T(8), T(9),
                                 needs(L, 10, fn, 6, need), &r[0], &r[1], &r[2], &r[3], &r[4], &r[5]);
  return results(L, rc, 6, r);
}

/* lstm_pointwise(pre, cx) -> h, c, gates */
static int l_lstm_pointwise(lua_State *L) {
  const char *fn = "lstm_pointwise";
  lt_tensor *r[3] = {0};
  int rc = lt_nn_lstm_pointwise(T(1), T(2), &r[0], &r[1], &r[2]);
  return results(L, rc, 3, r);
}

/* lstm_pointwise_backward(gradH, gradC, cx, gates, c) -> gradPre, gradCx */
static int l_lstm_pointwise_backward(lua_State *L) {
  const char *fn = "lstm_pointwise_backward";
  lt_tensor *r[2] = {0};
  lt_tensor *gh = opt_tensor(L, 1, fn), *gc = opt_tensor(L, 2, fn);
  int rc = lt_lstm_pointwise_backward(gh, gc, T(3), T(4), T(5), &r[0], &r[1]);
  return results(L, rc, 2, r);
}

/* gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh) -> h, workspace */
static int l_gru_cell(lua_State *L) {
  const char *fn = "gru_cell";
  lt_tensor *r[2] = {0};
  int rc = lt_nn_gru_cell(T(1), T(2), T(3), T(4), opt_tensor(L, 5, fn), opt_tensor(L, 6, fn), &r[0],
                       &r[1]);
  return results(L, rc, 2, r);
}

/* gru_cell_backward(gradH, input, hx, w_ih, w_hh, workspace, need)
 * -> gradInput, gradHx, gradW_ih, gradW_hh, gradB_ih, gradB_hh */
static int l_gru_cell_backward(lua_State *L) {
  const char *fn = "gru_cell_backward";
  bool need[6];
  lt_tensor *r[6] = {0};
  int rc = lt_gru_cell_backward(T(1), T(2), T(3), T(4), T(5), T(6), needs(L, 7, fn, 6, need),
                                &r[0], &r[1], &r[2], &r[3], &r[4], &r[5]);
  return results(L, rc, 6, r);
}

#define REG(NAME) {#NAME, l_##NAME}, {#NAME "_backward", l_##NAME##_backward},
static const luaL_Reg fns[] = {
    REG(conv1d) REG(conv2d) REG(conv3d) REG(conv_transpose2d) REG(max_pool2d) REG(avg_pool2d)
    REG(adaptive_avg_pool2d) REG(adaptive_max_pool2d) REG(max_unpool2d) REG(batch_norm)
    REG(layer_norm) REG(softmax) REG(log_softmax) REG(nll_loss) REG(cross_entropy) REG(mse_loss)
    REG(smooth_l1_loss) REG(bce_loss) REG(bce_with_logits) REG(gelu) REG(elu) REG(selu)
    REG(leaky_relu) REG(hardtanh) REG(relu6) REG(softplus) REG(lstm_cell) REG(lstm_pointwise)
    REG(gru_cell){NULL, NULL}};

/* Every nn entry of the op table must have a wrapper here (checked at
 * start-up, so a new kernel cannot be forgotten). */
void lb_open_nn(lua_State *L) {
  for (const lt_opdef *const *op = lt_ops_nn; *op; op++) {
    const luaL_Reg *r = fns;
    while (r->name && strcmp(r->name, (*op)->name)) r++;
    if (!r->name) lb_errorf(L, "torch.core: nn op %s has no binding", (*op)->name);
  }
  lua_getfield(L, -1, "fn");
  lb_register(L, fns);
  lua_pop(L, 1);
}

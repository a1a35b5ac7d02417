/* The recurrent cells on the GPU (lib/ops/nn_lstm.c, nn_gru.c hand device tensors
 * here after checking them): the matrix products and bias sums go through
 * lib's own ops (lt_addmm, lt_mm, lt_sum), which run on cuBLAS and the
 * reduction kernels; the gate nonlinearities and state updates are one
 * fused kernel each way (kernels/nn_rnn.cu). Same contracts and layouts as
 * the CPU kernels in nn.h. Autograd is off while the compositions run: the
 * cell is one tape node, recorded by lib/ops/nn_grad_rnn.c around this call. */
#include "lutorch/autograd.h"
#include "lutorch/linalg.h"
#include "lutorch/reduce.h"
#include "nn_internal.h"
#include "nn_rnn_kernels.h"

static lt_tensor *empty2(const lt_cuda_at *c, lt_dtype dt, int64_t rows, int64_t cols) {
  int64_t s[2] = {rows, cols};
  return lt_tensor_empty_on(dt, 2, s, c->dev);
}

static void release_all(int n, lt_tensor **ts) {
  for (int i = 0; i < n; i++) {
    lt_tensor_release(ts[i]);
    ts[i] = NULL;
  }
}

static void *data_or_null(const lt_tensor *t) { return t ? lt_tensor_data(t) : NULL; }

/* x·wᵀ + b1 + b2 (biases may be NULL): a new (B, rows of w) tensor */
static lt_tensor *affine(lt_tensor *x, lt_tensor *w, lt_tensor *b1, lt_tensor *b2) {
  lt_tensor *wt = lt_transpose(w, 0, 1), *b = NULL, *out = NULL;
  if (!wt) return NULL;
  if (b1 && b2) b = lt_add(b1, b2);
  else if (b1 || b2) lt_tensor_retain(b = b1 ? b1 : b2);
  if (!(b1 || b2)) out = lt_mm(NULL, x, wt);
  else if (b) out = lt_addmm(NULL, 1, b, 1, x, wt);
  lt_tensor_release(wt);
  lt_tensor_release(b);
  return out;
}

/* out += a·wᵀ (out contiguous, in place) */
static int add_product(lt_tensor *out, lt_tensor *a, lt_tensor *w, bool transpose_w) {
  lt_tensor *wt = transpose_w ? lt_transpose(w, 0, 1) : (lt_tensor_retain(w), w);
  if (!wt) return -1;
  lt_tensor *r = lt_addmm(out, 1, out, 1, a, wt);
  lt_tensor_release(wt);
  if (!r) return -1;
  lt_tensor_release(r);
  return 0;
}

/* gᵀ·x: (n, k) from g (B, n) and x (B, k) */
static lt_tensor *grad_weight(lt_tensor *g, lt_tensor *x) {
  lt_tensor *gt = lt_transpose(g, 0, 1);
  if (!gt) return NULL;
  lt_tensor *r = lt_mm(NULL, gt, x);
  lt_tensor_release(gt);
  return r;
}

static int kernel_done(const char *fn, cudaError_t err) {
  return err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the recurrent cell kernel", err);
}

/* ---- LSTM ---- */

static int lstm_pw_fwd(const char *fn, lt_tensor *pre, lt_tensor *c, lt_tensor **h_out,
                       lt_tensor **c_out, lt_tensor **gates) {
  lt_cuda_at k;
  lt_dtype dt = c->dtype;
  int64_t B = c->size[0], H = c->size[1];
  *h_out = *c_out = *gates = NULL;
  if (lt_cuda_at_of(fn, c, &k)) return -1;
  lt_tensor *in[2] = {lt_contiguous(pre), lt_contiguous(c)};
  lt_tensor *out[3] = {empty2(&k, dt, B, H), empty2(&k, dt, B, H), empty2(&k, dt, B, 4 * H)};
  int rc = -1;
  if (in[0] && in[1] && out[0] && out[1] && out[2])
    rc = kernel_done(fn, ltk_lstm_fwd(dt, B, H, lt_tensor_data(in[0]), lt_tensor_data(in[1]),
                                      lt_tensor_data(out[2]), lt_tensor_data(out[0]),
                                      lt_tensor_data(out[1]), k.sms, k.st));
  release_all(2, in);
  if (rc) {
    release_all(3, out);
    return -1;
  }
  *h_out = out[0];
  *c_out = out[1];
  *gates = out[2];
  return 0;
}

static int lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                          lt_tensor **gates) {
  return lstm_pw_fwd("lstm_pointwise", pre, c, h_out, c_out, gates);
}

/* grad_c_prev NULL: not wanted */
static int lstm_pw_bwd(const char *fn, lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                       lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                       lt_tensor **grad_c_prev) {
  lt_cuda_at k;
  lt_dtype dt = c->dtype;
  int64_t B = c->size[0], H = c->size[1];
  *grad_pre = NULL;
  if (grad_c_prev) *grad_c_prev = NULL;
  if (lt_cuda_at_of(fn, c, &k)) return -1;
  lt_tensor *in[5] = {grad_h ? lt_contiguous(grad_h) : NULL, grad_c ? lt_contiguous(grad_c) : NULL,
                      lt_contiguous(c), lt_contiguous(gates), lt_contiguous(c_out)};
  lt_tensor *gp = empty2(&k, dt, B, 4 * H), *gcp = grad_c_prev ? empty2(&k, dt, B, H) : NULL;
  int rc = -1;
  if ((!grad_h || in[0]) && (!grad_c || in[1]) && in[2] && in[3] && in[4] && gp &&
      (!grad_c_prev || gcp))
    rc = kernel_done(fn, ltk_lstm_bwd(dt, B, H, data_or_null(in[0]), data_or_null(in[1]),
                                      lt_tensor_data(in[2]), lt_tensor_data(in[3]),
                                      lt_tensor_data(in[4]), lt_tensor_data(gp),
                                      data_or_null(gcp), k.sms, k.st));
  release_all(5, in);
  if (rc) {
    lt_tensor_release(gp);
    lt_tensor_release(gcp);
    return -1;
  }
  *grad_pre = gp;
  if (grad_c_prev) *grad_c_prev = gcp;
  return 0;
}

static int lstm_pointwise_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                                   lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                                   lt_tensor **grad_c_prev) {
  return lstm_pw_bwd("lstm_pointwise_backward", grad_h, grad_c, c, gates, c_out, grad_pre,
                     grad_c_prev);
}

static int lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                     lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                     lt_tensor **gates) {
  const char *fn = "lstm_cell";
  *h_out = *c_out = *gates = NULL;
  bool grad = lt_set_grad_enabled(false);
  lt_tensor *pre = affine(x, w_ih, b_ih, b_hh);
  int rc = -1;
  if (pre && !add_product(pre, h, w_hh, true)) rc = lstm_pw_fwd(fn, pre, c, h_out, c_out, gates);
  lt_tensor_release(pre);
  lt_set_grad_enabled(grad);
  return rc;
}

static int lstm_cell_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                              lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                              lt_tensor *c_out, const bool *need, lt_tensor **grad_x,
                              lt_tensor **grad_h_prev, lt_tensor **grad_c_prev,
                              lt_tensor **grad_w_ih, lt_tensor **grad_w_hh, lt_tensor **grad_b) {
  const char *fn = "lstm_cell_backward";
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
#define NEED(i) (!need || need[i])
  bool grad = lt_set_grad_enabled(false);
  lt_tensor *gp = NULL;
  int rc = -1;
  if (lstm_pw_bwd(fn, grad_h, grad_c, c, gates, c_out, &gp, NEED(2) ? grad_c_prev : NULL))
    goto done;
  if (NEED(0) && !(*grad_x = lt_mm(NULL, gp, w_ih))) goto done;
  if (NEED(1) && !(*grad_h_prev = lt_mm(NULL, gp, w_hh))) goto done;
  if (NEED(3) && !(*grad_w_ih = grad_weight(gp, x))) goto done;
  if (NEED(4) && !(*grad_w_hh = grad_weight(gp, h))) goto done;
  if (NEED(5) && !(*grad_b = lt_sum(gp, 0, false))) goto done;
  rc = 0;
done:
  lt_tensor_release(gp);
  if (rc)
    for (int i = 0; i < 6; i++) {
      lt_tensor_release(*outs[i]);
      *outs[i] = NULL;
    }
  lt_set_grad_enabled(grad);
  return rc;
}

/* ---- GRU ---- */

static int gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh,
                    lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws) {
  const char *fn = "gru_cell";
  lt_cuda_at k;
  lt_dtype dt = x->dtype;
  int64_t B = h->size[0], H = h->size[1];
  *h_out = *ws = NULL;
  if (lt_cuda_at_of(fn, x, &k)) return -1;
  bool grad = lt_set_grad_enabled(false);
  lt_tensor *t[3] = {affine(x, w_ih, b_ih, NULL), affine(h, w_hh, b_hh, NULL), lt_contiguous(h)};
  lt_tensor *out[2] = {empty2(&k, dt, B, H), empty2(&k, dt, B, 4 * H)};
  int rc = -1;
  if (t[0] && t[1] && t[2] && out[0] && out[1]) {
    lt_tensor *gi = lt_contiguous(t[0]), *gh = lt_contiguous(t[1]);
    if (gi && gh)
      rc = kernel_done(fn, ltk_gru_fwd(dt, B, H, lt_tensor_data(gi), lt_tensor_data(gh),
                                       lt_tensor_data(t[2]), lt_tensor_data(out[0]),
                                       lt_tensor_data(out[1]), k.sms, k.st));
    lt_tensor_release(gi);
    lt_tensor_release(gh);
  }
  release_all(3, t);
  lt_set_grad_enabled(grad);
  if (rc) {
    release_all(2, out);
    return -1;
  }
  *h_out = out[0];
  *ws = out[1];
  return 0;
}

static int gru_cell_backward(lt_tensor *grad_h, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                             lt_tensor *w_hh, lt_tensor *ws, const bool *need, lt_tensor **grad_x,
                             lt_tensor **grad_h_prev, lt_tensor **grad_w_ih,
                             lt_tensor **grad_w_hh, lt_tensor **grad_b_ih,
                             lt_tensor **grad_b_hh) {
  const char *fn = "gru_cell_backward";
  lt_cuda_at k;
  lt_dtype dt = x->dtype;
  int64_t B = h->size[0], H = h->size[1];
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (lt_cuda_at_of(fn, x, &k)) return -1;
  bool grad = lt_set_grad_enabled(false);
  lt_tensor *in[3] = {lt_contiguous(ws), lt_contiguous(h), lt_contiguous(grad_h)};
  lt_tensor *dgi = empty2(&k, dt, B, 3 * H), *dgh = empty2(&k, dt, B, 3 * H),
            *dh = empty2(&k, dt, B, H);
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !dgi || !dgh || !dh) goto done;
  if (kernel_done(fn, ltk_gru_bwd(dt, B, H, lt_tensor_data(in[0]), lt_tensor_data(in[1]),
                                  lt_tensor_data(in[2]), lt_tensor_data(dgi),
                                  lt_tensor_data(dgh), lt_tensor_data(dh), k.sms, k.st)))
    goto done;
  if (NEED(0) && !(*grad_x = lt_mm(NULL, dgi, w_ih))) goto done;
  if (NEED(1)) { /* dh + dgh·W_hh */
    if (add_product(dh, dgh, w_hh, false)) goto done;
    *grad_h_prev = dh;
    dh = NULL;
  }
  if (NEED(2) && !(*grad_w_ih = grad_weight(dgi, x))) goto done;
  if (NEED(3) && !(*grad_w_hh = grad_weight(dgh, h))) goto done;
  if (NEED(4) && !(*grad_b_ih = lt_sum(dgi, 0, false))) goto done;
  if (NEED(5) && !(*grad_b_hh = lt_sum(dgh, 0, false))) goto done;
  rc = 0;
done:
  release_all(3, in);
  lt_tensor_release(dgi);
  lt_tensor_release(dgh);
  lt_tensor_release(dh);
  if (rc)
    for (int i = 0; i < 6; i++) {
      lt_tensor_release(*outs[i]);
      *outs[i] = NULL;
    }
  lt_set_grad_enabled(grad);
  return rc;
#undef NEED
}

void lt_cuda_nn_rnn_init(lt_device_nn_ops *t) {
  t->lstm_cell = lstm_cell;
  t->lstm_cell_backward = lstm_cell_backward;
  t->lstm_pointwise = lstm_pointwise;
  t->lstm_pointwise_backward = lstm_pointwise_backward;
  t->gru_cell = gru_cell;
  t->gru_cell_backward = gru_cell_backward;
}

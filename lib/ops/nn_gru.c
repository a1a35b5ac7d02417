/* The GRU cell for one time step, forward and backward: the two input
 * products (x·W_ihᵀ, h·W_hhᵀ) go to BLAS as whole-batch gemms
 * (multithreaded there), the gate nonlinearities and the state update are
 * one fused pointwise pass split over the batch. The forward returns a
 * workspace of r, z, n and the hidden-side candidate so that backward
 * recomputes nothing. The LSTM cell is in nn_lstm.c, what the two share
 * in nn_rnn.h.
 *
 * Layouts (row-major, contiguous): x (B, I), h (B, H), pre-activations
 * (B, 3H) in blocks r|z|n, workspace (B, 4H) r|z|n|hn. */
/* The gate loops select with ?: on floats; GCC if-converts (and so
 * vectorizes) those only when it may assume comparisons do not trap. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "nn_rnn.h"

/* ---- whole-batch products (BLAS) ---- */

/* out (B, n) = x·wᵀ + b1 + b2 (biases may be NULL), or with add (and no
 * biases) out += x·wᵀ: the biases are summed into the first row, copied
 * down, and the gemm adds on. */
static void linear(lt_dtype dt, const lt_tensor *x, const lt_tensor *w, const lt_tensor *b1,
                   const lt_tensor *b2, bool add, lt_tensor *out) {
  int64_t B = x->size[0], K = x->size[1], n = w->size[0];
  size_t row = (size_t)n * lt_dtype_size(dt);
  char *o = lt_tensor_data(out);
  bool bias = !add && (b1 || b2);
  if (bias && B > 0) {
    const void *p1 = b1 ? lt_tensor_data(b1) : NULL, *p2 = b2 ? lt_tensor_data(b2) : NULL;
    for (int64_t j = 0; j < n; j++)
      nn_st(dt, o, j, (p1 ? nn_ld(dt, p1, j) : 0) + (p2 ? nn_ld(dt, p2, j) : 0));
    for (int64_t r = 1; r < B; r++) memcpy(o + (size_t)r * row, o, row);
  }
  nn_gemm(dt, false, true, B, n, K, 1, lt_tensor_data(x), K, lt_tensor_data(w), K,
          (bias || add) ? 1 : 0, o, n);
}

/* column sums of a (B, n) matrix into a new (n) tensor */
static lt_tensor *colsum(lt_dtype dt, const lt_tensor *m) {
  int64_t B = m->size[0], n = m->size[1];
  lt_tensor *s = lt_tensor_zeros(dt, 1, &n);
  if (!s) return NULL;
  if (dt == LT_FLOAT32) {
    const float *p = lt_tensor_data(m);
    float *q = lt_tensor_data(s);
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < n; j++) q[j] += p[r * n + j];
  } else {
    const double *p = lt_tensor_data(m);
    double *q = lt_tensor_data(s);
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < n; j++) q[j] += p[r * n + j];
  }
  return s;
}

/* out (B, k) = g (B, n) · w (n, k) [+ out] */
static lt_tensor *mat_g_w(lt_dtype dt, const lt_tensor *g, const lt_tensor *w) {
  int64_t B = g->size[0], n = g->size[1], k = w->size[1], s[2] = {B, k};
  lt_tensor *o = lt_tensor_empty(dt, 2, s);
  if (o) nn_gemm(dt, false, false, B, k, n, 1, lt_tensor_data(g), n, lt_tensor_data(w), k, 0,
                 lt_tensor_data(o), k);
  return o;
}

/* out (n, k) = g (B, n)ᵀ · x (B, k) */
static lt_tensor *mat_gt_x(lt_dtype dt, const lt_tensor *g, const lt_tensor *x) {
  int64_t B = g->size[0], n = g->size[1], k = x->size[1], s[2] = {n, k};
  lt_tensor *o = lt_tensor_empty(dt, 2, s);
  if (o) nn_gemm(dt, true, false, n, k, B, 1, lt_tensor_data(g), n, lt_tensor_data(x), k, 0,
                 lt_tensor_data(o), k);
  return o;
}

/* ---- the pointwise pass ---- */

typedef struct gru_pw {
  int64_t H;
  const void *gi, *gh, *h, *ws, *g;
  void *h1, *wso, *dgi, *dgh, *dh;
} gru_pw;

#define GRU_PW(S, T)                                                                       \
  static void gru_fwd_##S(int64_t b0, int64_t b1, void *vctx) {                            \
    const gru_pw *p = vctx;                                                                \
    const int64_t H = p->H;                                                                \
    for (int64_t b = b0; b < b1; b++) {                                                    \
      const T *gi = (const T *)p->gi + b * 3 * H, *gh = (const T *)p->gh + b * 3 * H;      \
      const T *h = (const T *)p->h + b * H;                                                \
      T *ws = (T *)p->wso + b * 4 * H, *h1 = (T *)p->h1 + b * H;                           \
      for (int64_t j = 0; j < H; j++) {                                                    \
        T r = sigm_##S(gi[j] + gh[j]), z = sigm_##S(gi[H + j] + gh[H + j]);                \
        T n = tanh_##S(gi[2 * H + j] + r * gh[2 * H + j]);                                 \
        ws[j] = r;                                                                         \
        ws[H + j] = z;                                                                     \
        ws[2 * H + j] = n;                                                                 \
        ws[3 * H + j] = gh[2 * H + j];                                                     \
        h1[j] = (1 - z) * n + z * h[j];                                                    \
      }                                                                                    \
    }                                                                                      \
  }                                                                                        \
  static void gru_bwd_##S(int64_t b0, int64_t b1, void *vctx) {                            \
    const gru_pw *p = vctx;                                                                \
    const int64_t H = p->H;                                                                \
    for (int64_t b = b0; b < b1; b++) {                                                    \
      const T *ws = (const T *)p->ws + b * 4 * H, *h = (const T *)p->h + b * H;            \
      const T *g = (const T *)p->g + b * H;                                                \
      T *dgi = (T *)p->dgi + b * 3 * H, *dgh = (T *)p->dgh + b * 3 * H;                    \
      T *dh = (T *)p->dh + b * H;                                                          \
      for (int64_t j = 0; j < H; j++) {                                                    \
        T r = ws[j], z = ws[H + j], n = ws[2 * H + j], hn = ws[3 * H + j];                 \
        T dn = g[j] * (1 - z) * (1 - n * n);                                               \
        T dz = g[j] * (h[j] - n) * z * (1 - z);                                            \
        T dr = dn * hn * r * (1 - r);                                                      \
        dgi[j] = dgh[j] = dr;                                                              \
        dgi[H + j] = dgh[H + j] = dz;                                                      \
        dgi[2 * H + j] = dn;                                                               \
        dgh[2 * H + j] = dn * r;                                                           \
        dh[j] = g[j] * z;                                                                  \
      }                                                                                    \
    }                                                                                      \
  }
GRU_PW(f32, float)
GRU_PW(f64, double)

/* ---- the cell ---- */

int lt_gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *b_ih,
                lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws) {
  const char *fn = "gru_cell";
  int64_t B = 0, NI = 0, H = 0;
  *h_out = *ws = NULL;
  if (cell_check(fn, 3, x, h, w_ih, w_hh, b_ih, b_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[6] = {x, h, w_ih, w_hh, b_ih, b_hh};
  static const char *const dn[6] = {"input", "hx", "w_ih", "w_hh", "b_ih", "b_hh"};
  if (nn_check_devices(fn, 6, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, gru_cell, x, h, w_ih, w_hh, b_ih, b_hh, h_out, ws);
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s3[2] = {B, 3 * H}, s4[2] = {B, 4 * H};
  lt_tensor *in[6] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(b_ih), nn_contig(b_hh)};
  lt_tensor *gi = NULL, *gh = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || (b_ih && !in[4]) || (b_hh && !in[5]) ||
      !(gi = lt_tensor_empty(dt, 2, s3)) || !(gh = lt_tensor_empty(dt, 2, s3)) ||
      !(*h_out = lt_tensor_empty(dt, 2, s1)) || !(*ws = lt_tensor_empty(dt, 2, s4)))
    goto done;
  linear(dt, in[0], in[2], in[4], NULL, false, gi);
  linear(dt, in[1], in[3], in[5], NULL, false, gh);
  gru_pw p = {.H = H, .gi = lt_tensor_data(gi), .gh = lt_tensor_data(gh), .h = lt_tensor_data(in[1]),
              .h1 = lt_tensor_data(*h_out), .wso = lt_tensor_data(*ws)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? gru_fwd_f32 : gru_fwd_f64, &p);
  rc = 0;
done:
  nn_release(6, in);
  lt_tensor_release(gi);
  lt_tensor_release(gh);
  if (rc) {
    lt_tensor *o[2] = {*h_out, *ws};
    nn_release(2, o);
    *h_out = *ws = NULL;
  }
  return rc;
}

int lt_gru_cell_backward(lt_tensor *grad_h, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                         lt_tensor *w_hh, lt_tensor *ws, const bool *need, lt_tensor **grad_x,
                         lt_tensor **grad_h_prev, lt_tensor **grad_w_ih, lt_tensor **grad_w_hh,
                         lt_tensor **grad_b_ih, lt_tensor **grad_b_hh) {
  const char *fn = "gru_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (cell_check(fn, 3, x, h, w_ih, w_hh, NULL, NULL, &B, &NI, &H) ||
      check2(fn, "gradH", grad_h, x->dtype, B, H) || check2(fn, "workspace", ws, x->dtype, B, 4 * H))
    return -1;
  const lt_tensor *dv[6] = {x, h, w_ih, w_hh, ws, grad_h};
  static const char *const dn[6] = {"input", "hx", "w_ih", "w_hh", "workspace", "gradH"};
  if (nn_check_devices(fn, 6, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, gru_cell_backward, grad_h, x, h, w_ih, w_hh, ws, need, grad_x,
               grad_h_prev, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh);
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s3[2] = {B, 3 * H};
  lt_tensor *in[5] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh), nn_contig(ws)};
  lt_tensor *g = nn_contig(grad_h), *dgi = NULL, *dgh = NULL, *dh = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || !in[4] || !g || !(dgi = lt_tensor_empty(dt, 2, s3)) ||
      !(dgh = lt_tensor_empty(dt, 2, s3)) || !(dh = lt_tensor_empty(dt, 2, s1)))
    goto done;
  gru_pw p = {.H = H, .ws = lt_tensor_data(in[4]), .h = lt_tensor_data(in[1]), .g = lt_tensor_data(g),
              .dgi = lt_tensor_data(dgi), .dgh = lt_tensor_data(dgh), .dh = lt_tensor_data(dh)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? gru_bwd_f32 : gru_bwd_f64, &p);
  if (nn_need(need, 0) && !(*grad_x = mat_g_w(dt, dgi, in[2]))) goto done;
  if (nn_need(need, 1)) { /* dh + dgh·W_hh */
    nn_gemm(dt, false, false, B, H, 3 * H, 1, lt_tensor_data(dgh), 3 * H, lt_tensor_data(in[3]), H,
            1, lt_tensor_data(dh), H);
    *grad_h_prev = dh;
    dh = NULL;
  }
  if (nn_need(need, 2) && !(*grad_w_ih = mat_gt_x(dt, dgi, in[0]))) goto done;
  if (nn_need(need, 3) && !(*grad_w_hh = mat_gt_x(dt, dgh, in[1]))) goto done;
  if (nn_need(need, 4) && !(*grad_b_ih = colsum(dt, dgi))) goto done;
  if (nn_need(need, 5) && !(*grad_b_hh = colsum(dt, dgh))) goto done;
  rc = 0;
done:
  nn_release(5, in);
  lt_tensor *t[4] = {g, dgi, dgh, dh};
  nn_release(4, t);
  if (rc)
    for (int i = 0; i < 6; i++) {
      lt_tensor_release(*outs[i]);
      *outs[i] = NULL;
    }
  return rc;
}

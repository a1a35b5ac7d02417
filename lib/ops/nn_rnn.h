/* Private to lib/ops: what the recurrent cells share. The LSTM cell
 * (nn_lstm.c) and the GRU cell (nn_gru.c) use the same gate
 * nonlinearities (a branch-free float32 exp that vectorizes, libm for
 * float64) and the same shape checks of a cell call; the autograd wrapper
 * (nn_grad_rnn.c) uses lt_lstm_cell_backward_acc. The float32 helpers
 * select with ?:, so a file that runs them in its gate loops sets
 * no-trapping-math before including this header (see nn_lstm.c). */
#ifndef LUTORCH_OPS_NN_RNN_H
#define LUTORCH_OPS_NN_RNN_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lutorch/nn.h"
#include "nn_util.h"

/* float32 gates use a branch-free exp that the compiler vectorizes (libm's
 * expf/tanhf calls were a fifth of the W6 step): exp(x) = 2^n · e^r with
 * |r| ≤ ln2/2 and a degree-6 polynomial for e^r, a few ulp (Cephes'
 * expf polynomial). float64 keeps libm (the reference checks use it). */
static inline float exp_f32(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  float t = x * 1.44269504f + 12582912.0f; /* round(x / ln2) in the low mantissa */
  float n = t - 12582912.0f;
  float r = x - n * 0.693359375f;          /* ln2 split in two for accuracy */
  r = r + n * 2.12194440e-4f;
  float p = 1.0f + r + r * r * (0.500000012f + r * (0.166666655f + r * (4.16657959e-2f +
                  r * (8.33345191e-3f + r * (1.39819995e-3f + r * 1.98756915e-4f)))));
  int32_t e = ((int32_t)n + 127) << 23;
  float two_n;
  memcpy(&two_n, &e, sizeof two_n);
  return p * two_n;
}
static inline float sigm_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }
static inline float tanh_f32(float x) {
  float e = exp_f32(-2.0f * (x < 0 ? -x : x));
  float t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}
static inline double sigm_f64(double v) { return 1 / (1 + exp(-v)); }
static inline double tanh_f64(double v) { return tanh(v); }

/* t must be float of dtype dt with shape (rows, cols). */
static inline int check2(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt,
                         int64_t rows, int64_t cols) {
  if (nn_check_float(fn, what, t) || nn_check_like(fn, what, t, dt)) return -1;
  int64_t s[2] = {rows, cols};
  return nn_check_shape(fn, what, t, 2, s);
}

static inline int check1(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt,
                         int64_t n) {
  if (!t) return 0;
  if (nn_check_like(fn, what, t, dt)) return -1;
  return nn_check_shape(fn, what, t, 1, &n);
}

/* Shapes of a cell call: x (B, I), h (B, H), w_ih (G·H, I), w_hh (G·H, H). */
static inline int cell_check(const char *fn, int G, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                             lt_tensor *w_hh, lt_tensor *b_ih, lt_tensor *b_hh, int64_t *B,
                             int64_t *NI, int64_t *H) {
  char a[96];
  if (nn_check_float(fn, "input", x) || nn_check_float(fn, "hx", h)) return -1;
  if (x->ndim != 2)
    return lt_errorf("%s: input must be 2-D (batch, input size), got size %s", fn,
                     lt_shape_str(x->ndim, x->size, a, 96));
  if (h->ndim != 2)
    return lt_errorf("%s: hx must be 2-D (batch, hidden size), got size %s", fn,
                     lt_shape_str(h->ndim, h->size, a, 96));
  *B = x->size[0];
  *NI = x->size[1];
  *H = h->size[1];
  lt_dtype dt = x->dtype;
  if (nn_check_like(fn, "hx", h, dt) || check2(fn, "hx", h, dt, *B, *H) ||
      check2(fn, "w_ih", w_ih, dt, G * *H, *NI) || check2(fn, "w_hh", w_hh, dt, G * *H, *H) ||
      check1(fn, "b_ih", b_ih, dt, G * *H) || check1(fn, "b_hh", b_hh, dt, G * *H))
    return -1;
  return 0;
}

/* As lt_lstm_cell_backward, plus acc[0..3] for w_ih, w_hh, b_ih, b_hh: a
 * non-NULL entry (a contiguous CPU tensor of the parameter's shape and
 * dtype) gets that gradient added into it; need[3..5] then ask only for the
 * gradients still wanted as new tensors (need[5]: one bias gradient, for a
 * bias without an accumulator). With no accumulator, or off the CPU, it is
 * lt_lstm_cell_backward. */
int lt_lstm_cell_backward_acc(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                              lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                              lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                              lt_tensor **grad_x, lt_tensor **grad_h_prev,
                              lt_tensor **grad_c_prev, lt_tensor **grad_w_ih,
                              lt_tensor **grad_w_hh, lt_tensor **grad_b);

#endif

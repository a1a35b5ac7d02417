/* Launchers of the softmax, loss and activation kernels
 * (kernels/nn_loss.cu, kernels/nn_act.cu), for the host files nn_loss.c
 * and nn_act.c. Every pointer is device memory, every array contiguous and
 * of dtype dt (float32 or float64) unless said otherwise; each launcher
 * returns the launch's error code. */
#ifndef LUTORCH_CUDA_NN_LOSS_KERNELS_H
#define LUTORCH_CUDA_NN_LOSS_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* softmax / log_softmax (lg) along D of x seen as (outer, D, inner): the
 * forward (g NULL, x the input) or the backward (x the forward's output,
 * g the gradient) into y. */
cudaError_t ltk_softmax(lt_dtype dt, int lg, const void *x, const void *g, void *y,
                        int64_t outer, int64_t D, int64_t inner, int sms, cudaStream_t s);

/* Class losses over input (N, C, K) (classes K apart) and target (N, K),
 * int64, counted from base; a target equal to ignore counts for nothing;
 * any other outside [base, base + C) lowers *bad (unsigned 64-bit,
 * preset to all ones) to its position, so the host reports the first. */
typedef struct ltk_cls {
  int64_t N, C, K, ignore, base;
} ltk_cls;

/* Blocks of the first pass of the loss reductions (the size of `parts`
 * in pairs of doubles). */
int ltk_loss_parts(int64_t n, int sms);
/* nll from log-probabilities lp; w (C) or NULL; red an lt_loss_reduction:
 * out gets N·K losses (none) or one; tw the summed weights; parts holds
 * 2·ltk_loss_parts(N·K) doubles. */
cudaError_t ltk_nll_forward(lt_dtype dt, const void *lp, const int64_t *tg, const void *w,
                            ltk_cls c, int red, void *out, void *tw, double *parts,
                            unsigned long long *bad, int sms, cudaStream_t s);
/* The gradient of nll (fused 0) or of cross entropy (fused 1, lp the
 * log-probabilities) for every element of the input, in one pass: g has
 * N·K elements (none) or one, tw (mean) one. */
cudaError_t ltk_cls_backward(lt_dtype dt, int fused, const void *g, const void *tw,
                             const void *lp, const int64_t *tg, const void *w, ltk_cls c, int red,
                             void *gi, unsigned long long *bad, int sms, cudaStream_t s);

/* Pointwise losses (kind: LTK_PW_*) over n elements of x and t; w and pw
 * (or NULL) repeat with periods wper and pper (their element i % per).
 * Forward: g NULL, out gets n losses (none) or one (parts: ltk_loss_parts(n)
 * pairs). Backward: g (n elements for none, else one), out n gradients. */
enum { LTK_PW_MSE, LTK_PW_SMOOTH_L1, LTK_PW_BCE, LTK_PW_BCE_LOGITS };
typedef struct ltk_pw {
  int kind, red;
  double beta;
  int64_t n, wper, pper;
} ltk_pw;
cudaError_t ltk_pw_loss(lt_dtype dt, ltk_pw c, const void *x, const void *t, const void *w,
                        const void *pw, const void *g, void *out, double *parts, int sms,
                        cudaStream_t s);

/* Activations (kind: LT_NN_* of device_nn.h, params as listed there):
 * y = f(x) (g NULL) or g·f'(x), n elements. */
cudaError_t ltk_activation(int kind, lt_dtype dt, const void *g, const void *x, void *y,
                           int64_t n, const double *prm, int sms, cudaStream_t s);

/* nn_act.c: fills the `activation` entry (called by nn_loss.c's init) */
struct lt_device_nn_ops;
void lt_cuda_nn_act_init(struct lt_device_nn_ops *t);

#ifdef __cplusplus
}
#endif

#endif

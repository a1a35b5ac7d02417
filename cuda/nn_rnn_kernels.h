/* Launchers of the fused recurrent-cell kernels (kernels/nn_rnn.cu): the
 * pointwise halves of the LSTM and GRU cells of lib/ops/nn_lstm.c and
 * nn_gru.c, one thread per (batch row b, hidden unit j). Every array is
 * contiguous, row-major, of dtype dt (float32 or float64); layouts as
 * there: pre-activations and gates (B, 4H) in blocks i|f|g|o, GRU products
 * (B, 3H) r|z|n, the GRU workspace (B, 4H) r|z|n|hn. Each returns the launch's error code. */
#ifndef LUTORCH_CUDA_NN_RNN_KERNELS_H
#define LUTORCH_CUDA_NN_RNN_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gates = activated pre; c1 = f*c + i*g; h1 = o*tanh(c1) */
cudaError_t ltk_lstm_fwd(lt_dtype dt, int64_t B, int64_t H, const void *pre, const void *c,
                         void *gates, void *h1, void *c1, int sms, cudaStream_t s);
/* gh / gc NULL: zero; gcp NULL: not wanted */
cudaError_t ltk_lstm_bwd(lt_dtype dt, int64_t B, int64_t H, const void *gh, const void *gc,
                         const void *c, const void *gates, const void *cout, void *gpre,
                         void *gcp, int sms, cudaStream_t s);
/* gi, gh (B, 3H) the input and hidden products with their biases */
cudaError_t ltk_gru_fwd(lt_dtype dt, int64_t B, int64_t H, const void *gi, const void *gh,
                        const void *h, void *h1, void *ws, int sms, cudaStream_t s);
/* dgi, dgh (B, 3H), dh (B, H): the part of h's gradient through z */
cudaError_t ltk_gru_bwd(lt_dtype dt, int64_t B, int64_t H, const void *ws, const void *h,
                        const void *g, void *dgi, void *dgh, void *dh, int sms, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif

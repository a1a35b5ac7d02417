/* lutorch's CUDA backend: its C entry points. lib/ and the Lua binding reach
 * them through the lt_device_ops table this backend registers (device.h);
 * C programs built with CUDA may call them directly. Device indices are
 * 0-based; tensors are lt_tensors whose storage lives on a GPU. */
#ifndef LUTORCH_CUDA_H
#define LUTORCH_CUDA_H

#include "lutorch/device.h"
#include "lutorch/op.h"

/* Register the backend with lib (device.c calls this once). */
void lt_cuda_register(void);
/* GPUs present; 0 when there is none or the driver fails (never an error). */
int lt_cuda_device_count(void);
int lt_cuda_synchronize(int dev); /* dev < 0: all */

int lt_cuda_fill_(lt_tensor *t, double v);
/* dst = src: one device, one shape, any dtypes and strides */
int lt_cuda_copy_(lt_tensor *dst, const lt_tensor *src);
/* elementwise op of the op table (float32/float64 so far) */
lt_tensor *lt_cuda_elementwise(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                               const double *params);
/* "sum", "max", "min" of every element, as a double */
int lt_cuda_reduce_all(const char *name, const lt_tensor *t, double *out);
/* out = a (m x k) * b (k x n) with cuBLAS; out NULL allocates */
lt_tensor *lt_cuda_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b);
int lt_cuda_uniform_(lt_tensor *t, double lo, double hi);

/* The op families lib hands over (device.h has their contracts). */
lt_tensor *lt_cuda_product(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                           double alpha, lt_tensor *a, lt_tensor *b);
int lt_cuda_dot(lt_tensor *a, lt_tensor *b, double *result);
int lt_cuda_reduce(int red, const lt_tensor *t, int dim, bool keepdim, double param,
                   lt_tensor **values, lt_tensor **indices);
lt_tensor *lt_cuda_scan(const char *fn, int prod, const lt_tensor *t, int dim);
lt_tensor *lt_cuda_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta);
lt_tensor *lt_cuda_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int lt_cuda_index_write(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                        const lt_tensor *src, double value);
lt_tensor *lt_cuda_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int lt_cuda_scatter(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                    const lt_tensor *src, double value);
int lt_cuda_masked_fill(lt_tensor *x, const lt_tensor *mask, double value);
int lt_cuda_masked_copy(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src);
lt_tensor *lt_cuda_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask);
lt_tensor *lt_cuda_nonzero(lt_tensor *out, const lt_tensor *x);
lt_tensor *lt_cuda_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
lt_tensor *lt_cuda_flip(const lt_tensor *x, int n, const int *dims);
int lt_cuda_random_fill(lt_tensor *t, int dist, double p0, double p1, uint64_t lo, uint64_t range,
                        const lt_tensor *probs, struct lt_generator *g);
int lt_cuda_sort(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
                 lt_tensor **indices);

/* TF32 tensor cores for float32 matrix products (off by default, as in
 * PyTorch's torch.backends.cuda.matmul.allow_tf32) */
void lt_cuda_set_tf32(int on);
int lt_cuda_get_tf32(void);
/* the seed of lib's default generator, which GPU fills draw from too */
void lt_cuda_manual_seed(uint64_t seed);
uint64_t lt_cuda_initial_seed(void);

#endif

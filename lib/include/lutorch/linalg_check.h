/* The argument checks of the matrix products, shared by lib/ops/linalg.c
 * and the device backends (cuda/linalg.c) so that both check in the same
 * order and say the same things. Internal: lutorch.h does not include it.
 * Each returns -1 with the error set on failure. */
#ifndef LUTORCH_LINALG_CHECK_H
#define LUTORCH_LINALG_CHECK_H

#include "tensor.h"

/* A backend's rule for the operands' devices and dtypes: t[i] (NULLs
 * skipped) is called names[i] in messages; out is the result-first tensor
 * or NULL. 0 or -1. */
typedef int (*lt_product_inputs_fn)(const char *fn, const lt_tensor *out, int n,
                                    lt_tensor *const *t, const char *const *names);

/* The checks of product `kind` (LT_DEV_MM ... LT_DEV_MATMUL, device.h) of
 * a and b, M NULL or added to the product: `inputs` first, then the
 * operands' ranks and inner sizes (addmv: M must be a vector). Returns the
 * result's number of dims with its shape in size (addbmm: the batch summed
 * away; matmul: 0, see lt_matmul_operands), or -1. */
int lt_product_check(int kind, const char *fn, lt_product_inputs_fn inputs, const lt_tensor *out,
                     lt_tensor *m, lt_tensor *a, lt_tensor *b, int64_t size[3]);

/* M against a product of shape (nd, size): that shape exactly when out == m
 * (in place), else one that broadcasts to it. 0 when m is NULL. */
int lt_product_check_m(const char *fn, const lt_tensor *out, const lt_tensor *m, int nd,
                       const int64_t *size);

/* matmul's operands (checked by lt_product_check) as batches of matrices:
 * *ea (batch..., m, k) and *eb (batch..., k, n) expanded to one batch shape
 * (a vector gets a dim added), new references; the result's shape (*nd,
 * size) leaves out the dims added for vectors. 0 or -1. */
int lt_matmul_operands(const char *fn, lt_tensor *a, lt_tensor *b, lt_tensor **ea,
                       lt_tensor **eb, int *nd, int64_t *size);

/* "fn: size mismatch, na is RxC, nb is RxC". Returns -1. */
int lt_product_mismatch(const char *fn, const char *na, const lt_tensor *a, const char *nb,
                        const lt_tensor *b);

#endif

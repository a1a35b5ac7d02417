/* Strided iteration over several tensors of one shape.
 *
 * lt_iter is the engine under every elementwise kernel: it takes an output
 * and inputs already expanded to one shape, merges dimensions that are
 * contiguous in all of them, and calls a 1-D loop over the innermost run,
 * splitting the work over the thread pool when it is large. A loop gets
 * byte strides, so one loop body serves contiguous, strided and broadcast
 * (stride 0) operands; kernels test for the contiguous case to vectorise. */
#ifndef LUTORCH_ITER_H
#define LUTORCH_ITER_H

#include "tensor.h"

#define LT_ITER_MAX 4

/* data[k] points at the first element of operand k for this run,
 * stride[k] is its byte stride, n the run length. ctx is the kernel's. */
typedef void (*lt_loop1d)(char **data, const int64_t *stride, int64_t n, const void *ctx);

typedef struct lt_iter {
  int nops;
  int ndim;                              /* after merging; 0 for one element */
  int64_t shape[LT_MAX_DIMS];            /* innermost first */
  int64_t stride[LT_ITER_MAX][LT_MAX_DIMS]; /* bytes, innermost first */
  char *base[LT_ITER_MAX];
  int64_t numel;
} lt_iter;

/* All ops must have the same shape (expand inputs first). */
void lt_iter_init(lt_iter *it, int nops, lt_tensor *const *ops);
/* Run loop over every element, in parallel when numel is large. */
void lt_iter_run(const lt_iter *it, lt_loop1d loop, const void *ctx);
/* Same, never in parallel (for loops with state, e.g. random fills). */
void lt_iter_run_serial(const lt_iter *it, lt_loop1d loop, const void *ctx);

/* Broadcast shapes a and b into out (NumPy rules). Returns -1 and sets an
 * error naming fn if they do not broadcast. */
int lt_broadcast_shape(const char *fn, int na, const int64_t *a, int nb, const int64_t *b,
                       int *nout, int64_t *out);

#endif

/* Data set readers. */
#ifndef LUTORCH_DATA_H
#define LUTORCH_DATA_H

#include "tensor.h"

/* Read an IDX file (MNIST / Fashion-MNIST format), gzip-compressed or not.
 * Returns a tensor of the file's element type (uint8, int8, int16, int32,
 * float32, float64) and dimensions. Every header field is checked against
 * the file's actual size. */
lt_tensor *lt_read_idx(const char *path);

#endif

/* lutorch: the C API. Include this one header. */
#ifndef LUTORCH_H
#define LUTORCH_H

#include "alloc.h"
#include "autograd.h"
#include "data.h"
#include "device.h"
#include "dtype.h"
#include "error.h"
#include "index.h"
#include "io.h"
#include "iter.h"
#include "linalg.h"
#include "nn.h"
#include "op.h"
#include "optim.h"
#include "parallel.h"
#include "random.h"
#include "reduce.h"
#include "tensor.h"

#endif

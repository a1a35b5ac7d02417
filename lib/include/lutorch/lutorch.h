/* lutorch: the C API. Include this one header. */
#ifndef LUTORCH_H
#define LUTORCH_H

#include "alloc.h"
#include "autograd.h"
#include "dtype.h"
#include "error.h"
#include "iter.h"
#include "op.h"
#include "parallel.h"
#include "tensor.h"

#endif

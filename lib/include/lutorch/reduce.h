/* reduce (being written). */
#ifndef LUTORCH_REDUCE_H
#define LUTORCH_REDUCE_H

#include "tensor.h"

#endif

/* linalg (being written). */
#ifndef LUTORCH_LINALG_H
#define LUTORCH_LINALG_H

#include "tensor.h"

#endif

/* random (being written). */
#ifndef LUTORCH_RANDOM_H
#define LUTORCH_RANDOM_H

#include "tensor.h"

#endif

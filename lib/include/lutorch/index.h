/* index (being written). */
#ifndef LUTORCH_INDEX_H
#define LUTORCH_INDEX_H

#include "tensor.h"

#endif

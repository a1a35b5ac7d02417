/* io (being written). */
#ifndef LUTORCH_IO_H
#define LUTORCH_IO_H

#include "tensor.h"

#endif

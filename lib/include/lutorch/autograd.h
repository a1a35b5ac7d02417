/* Autograd: the tape. (Grows with the autograd issue.) */
#ifndef LUTORCH_AUTOGRAD_H
#define LUTORCH_AUTOGRAD_H

#include "tensor.h"

struct lt_autograd_meta;
void lt_autograd_meta_free(struct lt_autograd_meta *m);

#endif

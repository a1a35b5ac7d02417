/* Per-tensor autograd state. */
#include <stdlib.h>

#include "lutorch/autograd.h"

void lt_autograd_meta_free(struct lt_autograd_meta *m) { free(m); }

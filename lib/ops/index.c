/* index ops (being written). */
#include "lutorch/op.h"

const lt_opdef *const lt_ops_index[] = {NULL};

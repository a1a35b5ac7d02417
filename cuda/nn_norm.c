/* placeholder: the norm entries come next */
#include "nn_internal.h"

void lt_cuda_nn_norm_init(lt_device_nn_ops *t) { (void)t; }

/* placeholder: the optim entries come next */
#include "nn_internal.h"

void lt_cuda_optim_init(lt_device_nn_ops *t) { (void)t; }

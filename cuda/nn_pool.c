/* placeholder: the pool entries come next */
#include "nn_internal.h"

void lt_cuda_nn_pool_init(lt_device_nn_ops *t) { (void)t; }

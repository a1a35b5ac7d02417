/* placeholder: the conv entries come next */
#include "nn_internal.h"

void lt_cuda_nn_conv_init(lt_device_nn_ops *t) { (void)t; }

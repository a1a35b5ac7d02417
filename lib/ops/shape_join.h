/* Private to lib/ops/shape*.c: the backwards of the ops of shape_join.c
 * (cat, stack, and split/chunk's pieces), for the family's op table in
 * shape.c. */
#ifndef LUTORCH_OPS_SHAPE_JOIN_H
#define LUTORCH_OPS_SHAPE_JOIN_H

#include "lutorch/autograd.h"

int lt__bw_cat(lt_node *n, lt_tensor *const *g, lt_tensor **gin);
int lt__bw_stack(lt_node *n, lt_tensor *const *g, lt_tensor **gin);
int lt__bw_piece(lt_node *n, lt_tensor *const *g, lt_tensor **gin);

#endif

/* Private declarations shared by lib/autograd and the op files that record. */
#ifndef LUTORCH_AUTOGRAD_INTERNAL_H
#define LUTORCH_AUTOGRAD_INTERNAL_H

#include "lutorch/autograd.h"

/* t's meta, allocated (zeroed) if it has none; NULL + error when out of memory */
lt_autograd_meta *lt_autograd_meta_get(lt_tensor *t);
/* Give a freed meta back for reuse. */
void lt_autograd_meta_recycle(lt_autograd_meta *m);
/* Drop saved tensors, hooks and context (after a backward without retainGraph). */
void lt_node_free_saved(lt_node *node);
/* t requires grad and is a leaf, or a view (through view ops only) of one:
 * plain values may be written into it in place (meta.c). */
bool lt__leaf_storage(const lt_tensor *t);

#endif

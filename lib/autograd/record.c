/* Recording for the core's own ops: views (lib/core/view.c) and copies
 * (lib/core/copy.c), which are not in the op table. */
#include <string.h>

#include "internal.h"

lt_tensor *lt_record_view(lt_tensor *view, lt_tensor *base, const char *name,
                          lt_backward_fn backward, const int64_t *ints, int nints) {
  lt_node *node = lt_node_new(name, backward, 1, &base, 1, 0);
  if (!node || lt_node_attach(node, view, 0)) {
    lt_node_release(node);
    lt_tensor_release(view);
    return NULL;
  }
  if (nints) memcpy(node->ints, ints, sizeof(int64_t) * (size_t)nints);
  node->view = true;
  lt_node_release(node);
  view->ag->is_view = true;
  base->ag->has_views = true;
  return view;
}

/* dst = src (broadcast, converted): src's gradient is dst's, summed and
 * cast back by the engine; dst's old values got overwritten, so its old
 * history gets nothing. */
static int copy_backward(lt_node *n, lt_tensor *const *gout, lt_tensor **gin) {
  lt_tensor_retain(gout[0]);
  gin[0] = gout[0];
  return 0;
}

_Thread_local bool lt_autograd_copying;

static int copy_plain(lt_tensor *dst, const lt_tensor *src,
                      int (*copy)(lt_tensor *dst, const lt_tensor *src)) {
  lt_autograd_copying = true;
  int rc = copy(dst, src);
  lt_autograd_copying = false;
  return rc;
}

int lt_autograd_copy_(lt_tensor *dst, const lt_tensor *src,
                      int (*copy)(lt_tensor *dst, const lt_tensor *src)) {
  lt_node *node = NULL;
  lt_tensor *in = (lt_tensor *)src;
  if (lt_record_begin(&node, "copy", copy_backward, dst, 1, &in)) return -1;
  if (copy_plain(dst, src, copy)) {
    lt_record_end(node, NULL);
    return -1;
  }
  if (!node) return 0;
  lt_tensor_retain(dst);
  lt_tensor *r = lt_record_end(node, dst);
  if (!r) return -1;
  lt_tensor_release(r);
  return 0;
}

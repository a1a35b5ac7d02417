/* Per-tensor autograd state: requires_grad, .grad, detach, hooks. */
#include <stdlib.h>

#include "internal.h"

void lt_autograd_meta_free(struct lt_autograd_meta *m) {
  if (!m) return;
  lt_node_release(m->grad_fn);
  lt_tensor_release(m->grad);
  while (m->hooks) {
    lt_hook *h = m->hooks;
    m->hooks = h->next;
    if (h->ctx_free) h->ctx_free(h->ctx);
    free(h);
  }
  lt_autograd_meta_recycle(m);
}

int lt_set_requires_grad(lt_tensor *t, bool on) {
  if (t->ag && t->ag->grad_fn) {
    if (on) return 0;
    return lt_errorf("requiresGrad: only leaf tensors can stop requiring grad; use "
                     "x:detach() for a copy without history");
  }
  if (on && !(t->dtype == LT_FLOAT32 || t->dtype == LT_FLOAT64 || t->dtype == LT_FLOAT16 ||
              t->dtype == LT_BFLOAT16))
    return lt_errorf("requiresGrad: only floating-point tensors can require gradients, got %s",
                     lt_dtype_name(t->dtype));
  if (!on && !t->ag) return 0;
  lt_autograd_meta *m = lt_autograd_meta_get(t);
  if (!m) return -1;
  m->requires_grad = on;
  return 0;
}

bool lt_is_leaf(const lt_tensor *t) { return !t->ag || !t->ag->grad_fn; }

lt_tensor *lt_get_grad(const lt_tensor *t) { return t->ag ? t->ag->grad : NULL; }

int lt_set_grad(lt_tensor *t, lt_tensor *g) {
  if (g) {
    char a[128], b[128];
    if (!lt_tensor_same_shape(t, g))
      return lt_errorf("grad: assigned gradient of size %s to a tensor of size %s",
                       lt_shape_str(g->ndim, g->size, a, 128), lt_shape_str(t->ndim, t->size, b, 128));
    if (g->dtype != t->dtype)
      return lt_errorf("grad: assigned a %s gradient to a %s tensor", lt_dtype_name(g->dtype),
                       lt_dtype_name(t->dtype));
  }
  if (!g && !t->ag) return 0;
  lt_autograd_meta *m = lt_autograd_meta_get(t);
  if (!m) return -1;
  if (g) lt_tensor_retain(g);
  lt_tensor_release(m->grad);
  m->grad = g;
  return 0;
}

lt_tensor *lt_detach(const lt_tensor *t) {
  return lt_tensor_from_storage(t->storage, t->offset, t->ndim, t->size, t->stride);
}

int lt_detach_(lt_tensor *t) {
  if (!t->ag) return 0;
  if (t->ag->is_view && t->ag->requires_grad)
    return lt_errorf("detach_: cannot detach a view in place; use x:detach()");
  lt_node *fn = t->ag->grad_fn;
  t->ag->grad_fn = NULL;
  t->ag->requires_grad = false;
  t->ag->output_nr = 0;
  lt_node_release(fn);
  return 0;
}

const char *lt_grad_fn_name(const lt_tensor *t) {
  return t->ag && t->ag->grad_fn ? t->ag->grad_fn->name : NULL;
}

bool lt__leaf_storage(const lt_tensor *t) {
  if (!t->ag || !t->ag->requires_grad) return false;
  const lt_node *n = t->ag->grad_fn;
  if (!n) return true;
  if (!t->ag->is_view) return false;
  for (; n && n->view && n->nin == 1; n = n->next[0].fn)
    if (n->next[0].leaf) return true;
  return false;
}

int lt_autograd_inplace_unrecorded(lt_tensor *t, const char *fn) {
  if (!t->ag || !lt_grad_enabled()) return 0;
  if (lt__leaf_storage(t)) return 0; /* a leaf (or its view) keeps being one */
  if (t->ag->requires_grad && (t->ag->is_view || t->ag->has_views))
    return lt_errorf("%s: in-place write into a view of (or a tensor with views of) a tensor "
                     "that requires grad is not supported by autograd", fn);
  return lt_detach_(t);
}

/* ---- hooks ---- */

static int next_hook_id = 1;

int lt_register_hook(lt_tensor *t, lt_hook_fn fn, void *ctx, void (*ctx_free)(void *)) {
  if (!lt_requires_grad(t))
    return lt_errorf("registerHook: cannot register a hook on a tensor that does not require grad");
  lt_hook *h = malloc(sizeof *h);
  if (!h) return lt_errorf("registerHook: out of memory");
  h->id = __atomic_fetch_add(&next_hook_id, 1, __ATOMIC_RELAXED);
  h->fn = fn;
  h->ctx = ctx;
  h->ctx_free = ctx_free;
  h->output_nr = t->ag->output_nr;
  lt_hook **list = t->ag->grad_fn ? &t->ag->grad_fn->hooks : &t->ag->hooks;
  h->next = NULL; /* hooks run in registration order */
  while (*list) list = &(*list)->next;
  *list = h;
  return h->id;
}

static int remove_from(lt_hook **list, int id) {
  for (; *list; list = &(*list)->next)
    if ((*list)->id == id) {
      lt_hook *h = *list;
      *list = h->next;
      if (h->ctx_free) h->ctx_free(h->ctx);
      free(h);
      return 0;
    }
  return 1;
}

int lt_remove_hook(lt_tensor *t, int id) {
  if (!t->ag) return 1;
  if (t->ag->grad_fn && remove_from(&t->ag->grad_fn->hooks, id) == 0) return 0;
  return remove_from(&t->ag->hooks, id);
}

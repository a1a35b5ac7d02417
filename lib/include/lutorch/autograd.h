/* Autograd: a tape of nodes recorded as ops run, swept backwards.
 *
 * A tensor that requires grad carries an lt_autograd_meta (t->ag). A leaf
 * (requiresGrad set by the user) accumulates into meta->grad; a non-leaf
 * points at the node that made it (meta->grad_fn, output meta->output_nr).
 * A node holds, per input, an edge to the input's own node (or to the leaf
 * tensor itself), the input's shape and dtype (the engine sums a broadcast
 * gradient back to that shape and casts it, so backward functions never
 * do), the tensors it saved (with their version, checked at backward) and
 * scalar parameters.
 *
 * Recording an op (see docs/autograd.md, "how to add an op"):
 *
 *   lt_node *node = NULL;
 *   if (lt_record_begin(&node, "sum", sum_backward, NULL, 1, &t)) return NULL;
 *   if (node) { node->ints[0] = dim; lt_node_save(node, 0, t); }  (inputs: before)
 *   lt_tensor *out = ...compute as usual...;   (grad mode is off meanwhile)
 *   return lt_record_end(node, out);
 *
 * When no input requires grad (or grad mode is off) lt_record_begin costs a
 * few branches and leaves node NULL; lt_record_end(NULL, out) returns out. */
#ifndef LUTORCH_AUTOGRAD_H
#define LUTORCH_AUTOGRAD_H

#include "op.h"
#include "tensor.h"

/* ---- grad mode (thread-local) ---- */
extern _Thread_local bool lt_grad_off_;
static inline bool lt_grad_enabled(void) { return !lt_grad_off_; }
bool lt_set_grad_enabled(bool on); /* returns the previous mode */

/* ---- hooks: fn(ctx, grad, &replacement) -> 0, or -1 with an error set.
 * Setting *replacement (a new reference) replaces the gradient. */
typedef int (*lt_hook_fn)(void *ctx, lt_tensor *grad, lt_tensor **replacement);
typedef struct lt_hook {
  struct lt_hook *next;
  int id;
  int output_nr; /* hooks on a node: which output's gradient */
  lt_hook_fn fn;
  void *ctx;
  void (*ctx_free)(void *ctx);
} lt_hook;

/* ---- per-tensor state ---- */
struct lt_node;
typedef struct lt_autograd_meta {
  bool requires_grad;      /* leaf flag, or true for every output of a node */
  bool is_view;            /* a recorded view of a tensor that requires grad */
  bool has_views;          /* a recorded view was taken of this tensor */
  int output_nr;
  struct lt_node *grad_fn; /* owned reference; NULL for leaves */
  lt_tensor *grad;         /* leaves: accumulated gradient (owned) */
  lt_hook *hooks;          /* leaves: run on the total gradient */
  uint64_t epoch;          /* engine bookkeeping */
  int slot;
} lt_autograd_meta;

void lt_autograd_meta_free(struct lt_autograd_meta *m);

static inline bool lt_requires_grad(const lt_tensor *t) { return t->ag && t->ag->requires_grad; }
/* Set the leaf flag; floating-point tensors only; -1 on a non-leaf turned off. */
int lt_set_requires_grad(lt_tensor *t, bool on);
bool lt_is_leaf(const lt_tensor *t);
lt_tensor *lt_get_grad(const lt_tensor *t); /* borrowed; NULL when none */
int lt_set_grad(lt_tensor *t, lt_tensor *g); /* g retained; NULL clears */
lt_tensor *lt_detach(const lt_tensor *t);    /* same storage, no history */
int lt_detach_(lt_tensor *t);                /* drop t's history in place */
const char *lt_grad_fn_name(const lt_tensor *t); /* NULL for leaves */
/* Register a hook on t's gradient; returns its id (> 0) or -1. */
int lt_register_hook(lt_tensor *t, lt_hook_fn fn, void *ctx, void (*ctx_free)(void *));
int lt_remove_hook(lt_tensor *t, int id); /* 0 removed, 1 not found */

/* ---- nodes ---- */
typedef struct lt_edge {
  struct lt_node *fn; /* producer of the input (owned), or NULL */
  lt_tensor *leaf;    /* or the leaf that accumulates (owned), or NULL */
  int output_nr;
  bool needs_grad;    /* fn or leaf set */
  lt_dtype dtype;     /* the input's dtype, shape and device: gradients */
  int ndim;           /* are summed, cast and moved back to them by the */
  int64_t *size;      /* engine (a copy across devices sends its */
  lt_device device;   /* gradient home) */
} lt_edge;

typedef struct lt_saved {
  lt_tensor *t;      /* owned; an output is kept as a history-free alias */
  lt_tensor *live;   /* engine: an output rebuilt with its history (createGraph) */
  uint32_t version;  /* storage version when saved */
  int output_nr;     /* >= 0: this output of the node (saved as an alias) */
} lt_saved;

#define LT_NODE_MAX_SAVED 4

typedef struct lt_node {
  long refcount;
  const char *name;
  lt_backward_fn backward;
  int nin, nout;
  lt_edge *next;      /* nin edges (trailing storage) */
  lt_tensor **grads;  /* nout accumulated output gradients (engine) */
  lt_saved saved[LT_NODE_MAX_SAVED];
  double params[LT_OP_MAX_PARAMS];
  int64_t ints[LT_MAX_DIMS]; /* integer parameters (dims, sizes, a permutation) */
  void *extra;        /* extra bytes asked for at creation (e.g. geometry) */
  void *ctx;          /* custom functions: owned context */
  void (*ctx_free)(void *ctx);
  lt_hook *hooks;     /* hooks on this node's outputs (non-leaf tensors) */
  bool released;      /* saved tensors freed by a backward without retainGraph */
  bool pooled;        /* allocation comes from the node free list */
  bool view;          /* a view op's node (lt_record_view): output aliases input */
  lt_tensor *inplace_out; /* while recording an in-place op: inputs it overwrites are copied when saved */
  uint64_t epoch;     /* engine bookkeeping */
  int deps;
} lt_node;

/* True when an op on these inputs must record: grad mode on and one of
 * them requires grad. This is the whole cost on the no-grad path. */
static inline bool lt_autograd_wants(int n, lt_tensor *const *in) {
  for (int i = 0; i < n; i++)
    if (in[i] && in[i]->ag && in[i]->ag->requires_grad) return lt_grad_enabled();
  return false;
}

/* Begin recording an op on inputs in[0..n-1] whose result goes to `out`
 * when the op writes into an existing tensor (in place or result-first;
 * NULL for a fresh result). Sets *node (NULL when nothing records) and turns
 * grad mode off until lt_record_end. Returns -1 with an error when the write
 * is not allowed: out is a leaf that requires grad, or a view of (or a
 * tensor with views of) a tensor that requires grad. backward may be NULL
 * for an op whose derivative is not written yet: backward then fails. */
int lt_record_begin(lt_node **node, const char *name, lt_backward_fn backward, lt_tensor *out,
                    int n, lt_tensor *const *in);
/* The same with nout outputs and `extra` bytes at node->extra. */
int lt_record_begin_ex(lt_node **node, const char *name, lt_backward_fn backward, lt_tensor *out,
                       int n, lt_tensor *const *in, int nout, size_t extra);
/* Attach out as output 0 of node and restore grad mode; returns out. With
 * out == NULL (the op failed) the node is dropped. node == NULL: returns out. */
lt_tensor *lt_record_end(lt_node *node, lt_tensor *out);
/* Several outputs: outs[k] == NULL for outputs that carry no gradient
 * (indices). Returns 0, or -1 (node dropped, outputs untouched). */
int lt_record_end_n(lt_node *node, int nout, lt_tensor *const *outs);
/* Save t (an input, or an output: is_output) for backward. Retains it and
 * remembers its version. An input the op writes over is saved as a copy. */
int lt_node_save(lt_node *node, int slot, lt_tensor *t);
int lt_node_save_output(lt_node *node, int slot, lt_tensor *out); /* output 0 */
/* A saved tensor, inside a backward function (borrowed). */
static inline lt_tensor *lt_saved_tensor(lt_node *node, int slot) {
  return node->saved[slot].live ? node->saved[slot].live : node->saved[slot].t;
}
static inline bool lt_needs_grad(const lt_node *node, int j) { return node->next[j].needs_grad; }

/* Low level: a node not tied to the begin/end pair (custom functions). */
lt_node *lt_node_new(const char *name, lt_backward_fn backward, int n, lt_tensor *const *in,
                     int nout, size_t extra);
void lt_node_retain(lt_node *node);
void lt_node_release(lt_node *node);
/* Make out an output of node (drops out's previous history). */
int lt_node_attach(lt_node *node, lt_tensor *out, int output_nr);
long lt_autograd_live_nodes(void); /* nodes alive now (tests, leak checks) */

/* In-place writes that are not recorded (fill, random fills): a leaf that
 * requires grad (or a view of one) stays a leaf; a non-leaf loses its
 * history. */
int lt_autograd_inplace_unrecorded(lt_tensor *t, const char *fn);

/* ---- the engine ---- */
enum { LT_BACKWARD_RETAIN = 1, LT_BACKWARD_CREATE = 2, LT_BACKWARD_ALLOW_UNUSED = 4 };

/* Backpropagate from outputs[0..n-1] with gradients gouts (gouts[i] NULL:
 * ones, allowed for one-element outputs). With ninputs == 0 gradients
 * accumulate into the leaves' .grad; otherwise they are returned in
 * results[0..ninputs-1] (new references; NULL for an unused input with
 * LT_BACKWARD_ALLOW_UNUSED) and no .grad changes. */
int lt_autograd_run(int n, lt_tensor *const *outputs, lt_tensor *const *gouts, int ninputs,
                    lt_tensor *const *inputs, lt_tensor **results, unsigned flags);
int lt_backward(lt_tensor *out, lt_tensor *gout, unsigned flags);

/* Sum g down to the shape `size` it was broadcast from (recorded when grad
 * mode is on, so it is differentiable). A new reference. */
lt_tensor *lt_sum_to_shape(lt_tensor *g, int ndim, const int64_t *size);

/* ---- gradient helpers for backward functions ---- */
lt_tensor *lt_zeros_like(const lt_tensor *t);
/* Inside node n's backward: a contiguous tensor of input j's shape and dtype
 * into which the backward may ADD input j's gradient (e.g. a gemm with
 * beta = 1), leaving gin[j] NULL, instead of returning a new tensor that
 * the engine then adds. Offered when input j is a leaf and the backward
 * runs without createGraph: the leaf's .grad itself when it has a plain
 * contiguous one, no hooks and the backward fills .grad (PyTorch's
 * AccumulateGrad: .grad is then updated as the backward runs, and a
 * backward that fails midway leaves what it added); otherwise the engine's
 * private running sum of that leaf's gradient over this backward (hooks and
 * .grad see the total at the end). NULL: none offered (return gin[j] as
 * usual). Borrowed; valid until the backward returns. */
lt_tensor *lt_grad_accumulator(lt_node *n, int j);
/* dst += src (same shape), serially, so dst may have overlapping or stride-0
 * elements (scatter-style backwards). Not recorded. */
int lt_accumulate_serial_(lt_tensor *dst, const lt_tensor *src);

/* Views record themselves (lib/core/view.c). */
lt_tensor *lt_record_view(lt_tensor *view, lt_tensor *base, const char *name,
                          lt_backward_fn backward, const int64_t *ints, int nints);
/* Copies record themselves (lib/core/copy.c): dst = src as an in-place op.
 * lt_copy_ hands over to lt_autograd_copy_ when either side has autograd
 * state, which calls it back with lt_autograd_copying set. */
extern _Thread_local bool lt_autograd_copying;
int lt_autograd_copy_(lt_tensor *dst, const lt_tensor *src,
                      int (*copy)(lt_tensor *dst, const lt_tensor *src));

#endif

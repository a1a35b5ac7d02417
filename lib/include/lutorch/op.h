/* The op table.
 *
 * Every op is declared once, as an lt_opdef in the table of its family
 * (lib/ops/<family>.c). The families are joined in lib/ops/table.c, and
 * everything that needs to know the ops walks that one table: the Lua
 * binding registers a function per entry, autograd records entry->backward,
 * the gradient-check spec runs every differentiable entry.
 *
 * Elementwise entries (unary, binary, ternary) carry one 1-D loop
 * per dtype and are run by the generic dispatchers below. Other entries
 * (reductions, matmul, indexing, ...) are LT_KIND_OTHER: their C entry
 * points have their own signatures and the binding has a hand-written
 * wrapper per entry, checked for at start-up. */
#ifndef LUTORCH_OP_H
#define LUTORCH_OP_H

#include "iter.h"

struct lt_node;

typedef enum lt_opkind {
  LT_KIND_UNARY,   /* out = f(a [, params]) */
  LT_KIND_BINARY,  /* out = f(a, b [, params]); b may be a scalar */
  LT_KIND_TERNARY, /* out = f(a, b, c [, params]) */
  LT_KIND_OTHER
} lt_opkind;

enum {
  LT_OPF_FLOAT = 1u << 0,    /* integer inputs are promoted to float32 */
  LT_OPF_NO_BOOL = 1u << 1,  /* bool inputs rejected (arithmetic) */
  LT_OPF_INT_ONLY = 1u << 2, /* integer/bool only (bitwise logic) */
  LT_OPF_NONDIFF = 1u << 3,  /* never records (comparisons, rounding, ...) */
  LT_OPF_BOOL_OUT = 1u << 4, /* result is bool (comparisons, logical ops) */
  LT_OPF_MASK_FIRST = 1u << 5, /* first input is a bool mask (where) */
};

/* Backward: gout[i] is the gradient of output i (NULL if it got none);
 * fill gin[j] with a new reference for each input j that needs a gradient
 * (lt_needs_grad(node, j)), built from lt_ ops so that it can itself be
 * recorded (gradients of gradients); leaving gin[j] NULL means zero. A
 * gradient may have the broadcast shape or another dtype: the engine sums
 * and casts it to the input's. Returns 0, or -1 with an error set.
 * See lutorch/autograd.h and docs/autograd.md. */
typedef int (*lt_backward_fn)(struct lt_node *node, lt_tensor *const *gout, lt_tensor **gin);

#define LT_OP_MAX_PARAMS 4

typedef struct lt_opdef {
  const char *name; /* the Lua name: torch.<name> and t:<name>() */
  lt_opkind kind;
  unsigned flags;
  int nparams;                     /* scalar parameters after the tensors */
  lt_loop1d loop[LT_NDTYPES];      /* elementwise kinds: per-dtype CPU loop */
  lt_backward_fn backward;         /* NULL: not differentiable */
} lt_opdef;

/* Elementwise kinds: flags saying what the dispatcher saves for the op's
 * backward, which reads them with lt_saved_tensor(node, k): input k in
 * slot k, the output in slot LT_SAVED_OUT. */
enum {
  LT_SAVE_IN0 = 1u << 8,
  LT_SAVE_IN1 = 1u << 9,
  LT_SAVE_IN2 = 1u << 10,
  LT_SAVE_OUT = 1u << 11,
};
#define LT_SAVED_OUT 3

/* The table: every family's entries, in one array. */
const lt_opdef *const *lt_op_table(int *count);
const lt_opdef *lt_op_find(const char *name);

/* Family tables (each family file exports one, NULL-terminated). */
extern const lt_opdef *const lt_ops_unary[];
extern const lt_opdef *const lt_ops_binary[];
extern const lt_opdef *const lt_ops_ternary[];
extern const lt_opdef *const lt_ops_reduce[];
extern const lt_opdef *const lt_ops_sort[];
extern const lt_opdef *const lt_ops_linalg[];
extern const lt_opdef *const lt_ops_lapack[];
extern const lt_opdef *const lt_ops_index[];
extern const lt_opdef *const lt_ops_shape[];
extern const lt_opdef *const lt_ops_random[];
extern const lt_opdef *const lt_ops_optim[];
extern const lt_opdef *const lt_ops_nn[];

/* ---- generic elementwise dispatch ----
 * out may be NULL (allocate), one of the inputs (in place) or another tensor
 * (resized to the result shape, Torch7's result-first form). params holds
 * op->nparams scalars. Returns out (a new reference) or NULL. */
lt_tensor *lt_unary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, const double *params);
lt_tensor *lt_binary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, lt_tensor *b,
                     const double *params);
lt_tensor *lt_ternary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, lt_tensor *b,
                      lt_tensor *c, const double *params);

/* The plan of an elementwise op, shared by the CPU dispatcher and device
 * backends: the broadcast shape, the compute and result dtypes, and the
 * result tensor on `dev` (fresh, in place, or a result-first tensor resized
 * to the shape). When a result-first tensor has another dtype, compute into
 * tmp, then copy tmp into res. res and tmp are new references. */
typedef struct lt_ew_plan {
  int ndim;
  int64_t shape[LT_MAX_DIMS];
  lt_dtype ct, odt;
  lt_tensor *res, *tmp;
} lt_ew_plan;
int lt_ew_plan_make(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                    lt_device dev, lt_ew_plan *plan);

/* Named shortcuts used by C code (backward formulas, nn kernels).
 * Each allocates its result. */
lt_tensor *lt_add(lt_tensor *a, lt_tensor *b);
lt_tensor *lt_sub(lt_tensor *a, lt_tensor *b);
lt_tensor *lt_mul(lt_tensor *a, lt_tensor *b);
lt_tensor *lt_div(lt_tensor *a, lt_tensor *b);
lt_tensor *lt_mul_scalar(lt_tensor *a, double s);
lt_tensor *lt_add_scalar(lt_tensor *a, double s);
lt_tensor *lt_unary_by_name(const char *name, lt_tensor *a);

#endif

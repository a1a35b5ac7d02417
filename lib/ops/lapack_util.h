/* Private to lib/ops/lapack*.c: OpenBLAS's LAPACK routines, the checks and
 * layout helpers every factorization uses, and how the public functions
 * record for autograd (lapack.c). */
#ifndef LUTORCH_OPS_LAPACK_UTIL_H
#define LUTORCH_OPS_LAPACK_UTIL_H

#include "linalg_grad.h"
#include "lutorch/device.h"
#include "lutorch/linalg.h"

/* Debian's OpenBLAS has no LAPACKE: the Fortran symbols, with gfortran's
 * hidden string lengths after the arguments. */
#define FL size_t /* a hidden Fortran string length */
#define LAPACK(T, P)                                                                          \
  void P##getrf_(const int *, const int *, T *, const int *, int *, int *);                   \
  void P##getri_(const int *, T *, const int *, const int *, T *, const int *, int *);        \
  void P##gesv_(const int *, const int *, T *, const int *, int *, T *, const int *, int *);  \
  void P##potrf_(const char *, const int *, T *, const int *, int *, FL);                     \
  void P##potrs_(const char *, const int *, const int *, const T *, const int *, T *,        \
                 const int *, int *, FL);                                                     \
  void P##potri_(const char *, const int *, T *, const int *, int *, FL);                     \
  void P##syevd_(const char *, const char *, const int *, T *, const int *, T *, T *,        \
                 const int *, int *, const int *, int *, FL, FL);                             \
  void P##geev_(const char *, const char *, const int *, T *, const int *, T *, T *, T *,    \
                const int *, T *, const int *, T *, const int *, int *, FL, FL);              \
  void P##gesdd_(const char *, const int *, const int *, T *, const int *, T *, T *,         \
                 const int *, T *, const int *, T *, const int *, int *, int *, FL);          \
  void P##geqrf_(const int *, const int *, T *, const int *, T *, T *, const int *, int *);   \
  void P##orgqr_(const int *, const int *, const int *, T *, const int *, const T *, T *,    \
                 const int *, int *);
LAPACK(float, s)
LAPACK(double, d)

/* Call the s- or d- routine with the same (void * data) arguments. */
#define CALL2(dt, name, ...) \
  do { if ((dt) == LT_FLOAT32) s##name##_ __VA_ARGS__; else d##name##_ __VA_ARGS__; } while (0)

static inline int lp_max1(int64_t v) { return v > 1 ? (int)v : 1; }

/* ---- checks and layout (lapack.c) ---- */
/* t is a 2-D float32/float64 matrix (square if asked) LAPACK can index. */
int lp_check_matrix(const char *fn, const lt_tensor *t, const char *name, bool square);
/* B (n or n x k) against the n x n matrix a (same device), called an in messages. */
int lp_check_rhs(const char *fn, const lt_tensor *b, const lt_tensor *a, const char *an);
/* A contiguous copy of tᵀ (t 1-D counts as a column): the column-major
 * form of t going in, the row-major form of a LAPACK result coming out. */
lt_tensor *lp_tcopy(const lt_tensor *t);
/* Column-major data of an lp_tcopy result. */
static inline void *lp_cm(lt_tensor *t) { return lt_tensor_data(t); }
/* The error for a negative info. Returns -1. */
int lp_fail(const char *fn, int info);
/* A LAPACK work array of n elements of dt (at least one); free() it. */
void *lp_work(lt_dtype dt, double n);
/* The first element of a workspace query's answer. */
static inline double lp_first(lt_dtype dt, const void *p) { return lt_dtype_load(dt, p); }
/* A 0-element 1-D tensor of like's dtype and device: the result not asked
 * for (vectors = false). */
lt_tensor *lp_empty(const lt_tensor *like);
/* A 0-dim tensor of like's dtype on like's device. */
lt_tensor *lp_scalar(const lt_tensor *like, double v);

/* ---- device matrices (lapack.c) ----
 * Run op (LT_DEV_LAPACK_*) on the device of a: out[0..2] get the results
 * (NULL for those the op has not), num the numbers of SLOGDET. */
int lp_device(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out,
              double *num);
/* The same for one-result ops: the result or NULL. */
lt_tensor *lp_device1(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags);

/* ---- recording for autograd (lapack.c; backward formulas in linalg_grad.c) ---- */
/* Begin recording, saving input save_in (>= 0) in slot save_slot. */
int lp_begin(lt_node **node, const char *name, lt_backward_fn bw, int n, lt_tensor *const *in,
             int nout, int save_in, int save_slot);
/* Finish a one-output op whose output is saved in `slot`. */
lt_tensor *lp_end_output(lt_node *node, lt_tensor *r, int slot);
/* Finish a several-output op: outs[k] saved in slot k as output k where
 * saved[k]; grads[k] says which outputs carry a gradient. */
int lp_end_outputs(lt_node *node, int rc, int nout, lt_tensor *const *outs, const bool *saved,
                   const bool *grads);
void lp_release_all(int n, lt_tensor **t);

#endif

/* Strided iteration (see iter.h). */
#include "lutorch/iter.h"

#include <string.h>

#include "lutorch/parallel.h"

void lt_iter_init(lt_iter *it, int nops, lt_tensor *const *ops) {
  const lt_tensor *t0 = ops[0];
  it->nops = nops;
  it->numel = lt_tensor_numel(t0);
  for (int k = 0; k < nops; k++)
    it->base[k] = (char *)lt_tensor_data(ops[k]);
  /* innermost first, size-1 dims dropped */
  int n = 0;
  for (int d = t0->ndim - 1; d >= 0; d--) {
    if (t0->size[d] == 1) continue;
    it->shape[n] = t0->size[d];
    for (int k = 0; k < nops; k++)
      it->stride[k][n] = ops[k]->stride[d] * (int64_t)lt_dtype_size(ops[k]->dtype);
    n++;
  }
  /* merge dim i+1 into i when it continues i in every operand */
  int m = 0;
  for (int i = 1; i < n; i++) {
    bool merge = true;
    for (int k = 0; k < nops && merge; k++)
      merge = it->stride[k][i] == it->stride[k][m] * it->shape[m];
    if (merge) {
      it->shape[m] *= it->shape[i];
    } else {
      m++;
      it->shape[m] = it->shape[i];
      for (int k = 0; k < nops; k++) it->stride[k][m] = it->stride[k][i];
    }
  }
  it->ndim = n ? m + 1 : 0;
  if (it->ndim == 0) { /* one element (or none): a run of length numel */
    it->ndim = 1;
    it->shape[0] = it->numel;
    for (int k = 0; k < nops; k++) it->stride[k][0] = 0;
  }
}

/* Run elements [begin, end) of the iteration order. row[] points at the
 * start of the current innermost row; idx[] is the position in dims >= 1. */
static void run_range(const lt_iter *it, lt_loop1d loop, const void *ctx, int64_t begin,
                      int64_t end) {
  int64_t idx[LT_MAX_DIMS], inner[LT_ITER_MAX];
  char *row[LT_ITER_MAX], *ptr[LT_ITER_MAX];
  int64_t rem = begin / it->shape[0], col = begin % it->shape[0];
  for (int k = 0; k < it->nops; k++) {
    row[k] = it->base[k];
    inner[k] = it->stride[k][0];
  }
  for (int d = 1; d < it->ndim; d++) {
    idx[d] = rem % it->shape[d];
    rem /= it->shape[d];
    for (int k = 0; k < it->nops; k++) row[k] += idx[d] * it->stride[k][d];
  }
  int64_t left = end - begin;
  for (;;) {
    int64_t run = it->shape[0] - col;
    if (run > left) run = left;
    for (int k = 0; k < it->nops; k++) ptr[k] = row[k] + col * inner[k];
    loop(ptr, inner, run, ctx);
    left -= run;
    if (left <= 0) return;
    col = 0;
    for (int d = 1; d < it->ndim; d++) { /* next row: carry outward */
      idx[d]++;
      for (int k = 0; k < it->nops; k++) row[k] += it->stride[k][d];
      if (idx[d] < it->shape[d]) break;
      idx[d] = 0;
      for (int k = 0; k < it->nops; k++) row[k] -= it->shape[d] * it->stride[k][d];
    }
  }
}

typedef struct {
  const lt_iter *it;
  lt_loop1d loop;
  const void *ctx;
} job;

static void run_job(int64_t b, int64_t e, void *p) {
  job *j = p;
  run_range(j->it, j->loop, j->ctx, b, e);
}

void lt_iter_run(const lt_iter *it, lt_loop1d loop, const void *ctx) {
  if (it->numel == 0) return;
  job j = {it, loop, ctx};
  lt_parallel_for(it->numel, LT_GRAIN, run_job, &j);
}

void lt_iter_run_serial(const lt_iter *it, lt_loop1d loop, const void *ctx) {
  if (it->numel > 0) run_range(it, loop, ctx, 0, it->numel);
}

int lt_broadcast_shape(const char *fn, int na, const int64_t *a, int nb, const int64_t *b,
                       int *nout, int64_t *out) {
  int n = na > nb ? na : nb;
  int64_t res[LT_MAX_DIMS]; /* out may alias a or b */
  if (n > LT_MAX_DIMS) return lt_errorf("%s: at most %d dimensions", fn, LT_MAX_DIMS);
  for (int i = 0; i < n; i++) {
    int ia = i - (n - na), ib = i - (n - nb);
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1) {
      char x[128], y[128];
      return lt_errorf("%s: sizes %s and %s do not broadcast (dimension %d: %lld vs %lld)", fn,
                       lt_shape_str(na, a, x, sizeof x), lt_shape_str(nb, b, y, sizeof y),
                       i + 1, (long long)sa, (long long)sb);
    }
    res[i] = sa == 1 ? sb : sa;
  }
  for (int i = 0; i < n; i++) out[i] = res[i];
  *nout = n;
  return 0;
}

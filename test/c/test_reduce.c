/* The reduce/sort C API: 0-based indices, LT_ALL_DIMS results, dtype rules,
 * the split (parallel) path, and errors as values (no crash on bad input). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

static lt_tensor *from(lt_dtype dt, int ndim, const int64_t *size, const double *v) {
  lt_tensor *t = lt_tensor_empty(dt, ndim, size);
  int64_t n = lt_tensor_numel(t);
  for (int64_t i = 0; i < n; i++)
    lt_dtype_store(dt, (char *)lt_tensor_data(t) + i * (int64_t)lt_dtype_size(dt), v[i]);
  return t;
}

static double get(const lt_tensor *t, int64_t i) {
  return lt_dtype_load(t->dtype, (char *)lt_tensor_data(t) + i * (int64_t)lt_dtype_size(t->dtype));
}

static void test_basic(void) {
  int64_t s[2] = {2, 3};
  double v[6] = {1, 5, 3, 4, 2, 6};
  lt_tensor *x = from(LT_FLOAT32, 2, s, v);
  lt_tensor *r = lt_sum(x, 1, false);
  CHECK(r && r->ndim == 1 && r->size[0] == 2 && get(r, 0) == 9 && get(r, 1) == 12);
  lt_tensor_release(r);
  r = lt_sum(x, LT_ALL_DIMS, false);
  CHECK(r && r->ndim == 0 && r->dtype == LT_FLOAT32 && get(r, 0) == 21);
  lt_tensor_release(r);
  lt_tensor *val, *idx;
  CHECK(lt_max(x, 0, true, &val, &idx) == 0);
  CHECK(val->ndim == 2 && val->size[0] == 1 && idx->dtype == LT_INT64);
  CHECK(get(val, 0) == 4 && get(idx, 0) == 1 && get(idx, 1) == 0 && get(idx, 2) == 1);
  lt_tensor_release(val);
  lt_tensor_release(idx);
  r = lt_argmin(x, LT_ALL_DIMS, false);
  CHECK(r && get(r, 0) == 0);
  lt_tensor_release(r);
  double d;
  CHECK(lt_reduce_all(LT_RED_STD, x, 0, &d) == 0 && fabs(d - 1.8708286933869707) < 1e-12);
  CHECK(lt_reduce_all(LT_RED_MEDIAN, x, 0, &d) == 0 && d == 3);
  CHECK(lt_sort(x, 1, true, &val, &idx) == 0);
  CHECK(get(val, 0) == 5 && get(idx, 0) == 1 && get(idx, 5) == 1);
  lt_tensor_release(val);
  lt_tensor_release(idx);
  lt_tensor *l = lt_to_dtype(x, LT_UINT8);
  r = lt_cumsum(l, 1);
  CHECK(r && r->dtype == LT_INT64 && get(r, 2) == 9);
  lt_tensor_release(r);
  r = lt_mean(l, 0, false);
  CHECK(r && r->dtype == LT_FLOAT32 && get(r, 0) == 2.5);
  lt_tensor_release(r);
  lt_tensor_release(l);
  lt_tensor_release(x);
}

static void test_split_path(void) {
  /* one long row: the reduced dimension is split over the threads */
  int64_t n = 3000001;
  lt_tensor *x = lt_tensor_zeros(LT_FLOAT64, 1, &n);
  ((double *)lt_tensor_data(x))[2999999] = 7;
  ((double *)lt_tensor_data(x))[5] = -2;
  lt_tensor *v, *i;
  CHECK(lt_max(x, 0, false, &v, &i) == 0 && get(v, 0) == 7 && get(i, 0) == 2999999);
  lt_tensor_release(v);
  lt_tensor_release(i);
  CHECK(lt_min(x, LT_ALL_DIMS, false, &v, &i) == 0 && get(v, 0) == -2 && get(i, 0) == 5);
  lt_tensor_release(v);
  lt_tensor_release(i);
  lt_tensor *z = lt_max(x, 0, false, &v, NULL) == 0 ? v : NULL;
  CHECK(z && get(z, 0) == 7);
  lt_tensor_release(z);
  double d;
  CHECK(lt_reduce_all(LT_RED_SUM, x, 0, &d) == 0 && d == 5);
  CHECK(lt_reduce_all(LT_RED_ANY, x, 0, &d) == 0 && d == 1);
  CHECK(lt_reduce_all(LT_RED_NORM, x, 0, &d) == 0 && d == 2);
  lt_tensor_release(x);
}

static void test_errors(void) {
  int64_t s[2] = {2, 0};
  lt_tensor *e = lt_tensor_empty(LT_FLOAT32, 2, s), *v = NULL, *i = NULL;
  CHECK(lt_max(e, 1, true, &v, &i) == -1 && !v && !i);
  CHECK(strstr(lt_last_error(), "max: cannot reduce over an empty dimension") != NULL);
  CHECK(lt_sum(e, 2, true) == NULL && strstr(lt_last_error(), "sum: dimension 3 out of range"));
  CHECK(lt_sum(NULL, 0, true) == NULL && strstr(lt_last_error(), "sum:"));
  CHECK(lt_topk(e, 1, 1, true, true, &v, &i) == -1 && strstr(lt_last_error(), "topk: k = 1"));
  CHECK(lt_kthvalue(e, 1, 1, true, &v, &i) == -1 && strstr(lt_last_error(), "kthvalue"));
  CHECK(lt_median(e, LT_ALL_DIMS, false, &v, &i) == -1 && strstr(lt_last_error(), "median"));
  CHECK(lt_cumsum(e, LT_ALL_DIMS) == NULL && strstr(lt_last_error(), "cumsum"));
  CHECK(lt_argmax(e, 1, false) == NULL && strstr(lt_last_error(), "argmax: cannot reduce"));
  lt_tensor *r = lt_sum(e, 1, false); /* empty reduction: zeros */
  CHECK(r && r->ndim == 1 && r->size[0] == 2 && get(r, 0) == 0 && get(r, 1) == 0);
  lt_tensor_release(r);
  r = lt_prod(e, 1, false);
  CHECK(r && get(r, 0) == 1);
  lt_tensor_release(r);
  lt_tensor_release(e);
  CHECK(lt_index_shift_(NULL, 1) == -1);
}

int main(void) {
  test_basic();
  test_split_path();
  test_errors();
  int n;
  const lt_opdef *const *t = lt_op_table(&n);
  int found = 0;
  for (int k = 0; k < n; k++)
    if (!strcmp(t[k]->name, "argmax")) found = (t[k]->flags & LT_OPF_NONDIFF) != 0;
  CHECK(found);
  CHECK(lt_op_find("median") && lt_op_find("logsumexp"));
  return check_summary("test_reduce");
}

/* Core tensor tests: storage, views, broadcasting, copies, elementwise ops
 * and errors, through the C API alone. */
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

static lt_tensor *arange(lt_dtype dt, int ndim, const int64_t *size) {
  lt_tensor *t = lt_tensor_empty(dt, ndim, size);
  int64_t n = lt_tensor_numel(t);
  for (int64_t i = 0; i < n; i++)
    lt_dtype_store(dt, (char *)lt_tensor_data(t) + i * (int64_t)lt_dtype_size(dt), (double)i);
  return t;
}

static double at(const lt_tensor *t, int64_t i, int64_t j) {
  int64_t off = t->offset + i * t->stride[0] + (t->ndim > 1 ? j * t->stride[1] : 0);
  return lt_dtype_load(t->dtype, (char *)t->storage->data + off * (int64_t)lt_dtype_size(t->dtype));
}

static void test_views(void) {
  int64_t s[2] = {3, 4};
  lt_tensor *a = arange(LT_FLOAT32, 2, s);
  CHECK(lt_tensor_is_contiguous(a));
  lt_tensor *t = lt_transpose(a, 0, 1);
  CHECK(t->size[0] == 4 && t->size[1] == 3);
  CHECK(!lt_tensor_is_contiguous(t));
  CHECK(at(t, 1, 2) == 9);
  lt_tensor *n = lt_narrow(a, 1, 1, 2);
  CHECK(at(n, 2, 1) == 10);
  int64_t flat[1] = {-1};
  CHECK(lt_view(t, 1, flat) == NULL); /* not viewable without a copy */
  CHECK(strstr(lt_last_error(), "view") != NULL);
  lt_tensor *r = lt_reshape(t, 1, flat);
  CHECK(r && r->size[0] == 12 && lt_dtype_load(LT_FLOAT32, (float *)lt_tensor_data(r) + 1) == 4);
  lt_tensor *sel = lt_select(a, 0, 5);
  CHECK(sel == NULL && strstr(lt_last_error(), "out of range"));
  lt_tensor_release(r);
  lt_tensor_release(n);
  lt_tensor_release(t);
  lt_tensor_release(a);
}

static void test_broadcast_add(void) {
  int64_t s1[2] = {3, 1}, s2[1] = {4};
  lt_tensor *a = arange(LT_FLOAT64, 2, s1), *b = arange(LT_FLOAT64, 1, s2);
  lt_tensor *c = lt_add(a, b);
  CHECK(c && c->ndim == 2 && c->size[0] == 3 && c->size[1] == 4);
  CHECK(at(c, 2, 3) == 5);
  int64_t s3[1] = {5};
  lt_tensor *bad = arange(LT_FLOAT64, 1, s3);
  CHECK(lt_add(c, bad) == NULL && strstr(lt_last_error(), "broadcast"));
  lt_tensor_release(bad);
  lt_tensor_release(c);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

static void test_large_parallel(void) {
  int64_t s[1] = {1 << 20};
  lt_tensor *a = arange(LT_FLOAT32, 1, s);
  lt_tensor *b = lt_mul(a, a);
  CHECK(lt_dtype_load(LT_FLOAT32, (float *)lt_tensor_data(b) + 1000) == 1e6);
  float *p = lt_tensor_data(b);
  int bad = 0;
  for (int64_t i = 0; i < s[0]; i++) bad += p[i] != (float)i * (float)i;
  CHECK(bad == 0);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

static void test_convert(void) {
  int64_t s[1] = {4};
  lt_tensor *a = arange(LT_FLOAT32, 1, s);
  lt_tensor *h = lt_to_dtype(a, LT_FLOAT16), *back = lt_to_dtype(h, LT_FLOAT64);
  CHECK(lt_dtype_load(LT_FLOAT64, (double *)lt_tensor_data(back) + 3) == 3);
  lt_tensor *bo = lt_to_dtype(a, LT_BOOL);
  CHECK(((bool *)lt_tensor_data(bo))[0] == 0 && ((bool *)lt_tensor_data(bo))[2] == 1);
  CHECK(lt_float_to_half(1.0f) == 0x3c00 && lt_half_to_float(0x3c00) == 1.0f);
  CHECK(lt_float_to_bf16(1.0f) == 0x3f80);
  lt_tensor_release(a);
  lt_tensor_release(h);
  lt_tensor_release(back);
  lt_tensor_release(bo);
}

static void test_errors(void) {
  int64_t neg[1] = {-2};
  CHECK(lt_tensor_empty(LT_FLOAT32, 1, neg) == NULL);
  int64_t huge[2] = {INT64_MAX / 2, 4};
  CHECK(lt_tensor_empty(LT_FLOAT32, 2, huge) == NULL);
  CHECK(strstr(lt_last_error(), "overflow") != NULL);
}

int main(void) {
  test_views();
  test_broadcast_add();
  test_large_parallel();
  test_convert();
  test_errors();
  return check_summary("test_tensor");
}

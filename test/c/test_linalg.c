/* lt_mm / lt_addmm / lt_matmul against a naive triple loop in double, for
 * odd shapes, every operand layout (contiguous, transposed, strided) and
 * float32 / float64 / int64; plus the error paths. */
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

static double at2(const lt_tensor *t, int64_t i, int64_t j) {
  int64_t off = t->offset + i * t->stride[0] + j * t->stride[1];
  return lt_dtype_load(t->dtype, (char *)t->storage->data + off * (int64_t)lt_dtype_size(t->dtype));
}

static void set2(lt_tensor *t, int64_t i, int64_t j, double v) {
  int64_t off = t->offset + i * t->stride[0] + j * t->stride[1];
  lt_dtype_store(t->dtype, (char *)t->storage->data + off * (int64_t)lt_dtype_size(t->dtype), v);
}

/* r x c with small integer-valued entries, so every dtype is exact */
static lt_tensor *matrix(lt_dtype dt, int64_t r, int64_t c, int seed) {
  int64_t s[2] = {r, c};
  lt_tensor *t = lt_tensor_empty(dt, 2, s);
  for (int64_t i = 0; i < r; i++)
    for (int64_t j = 0; j < c; j++) set2(t, i, j, (double)((i * 7 + j * 3 + seed) % 11) - 5);
  return t;
}

/* the same values in another layout: 0 contiguous, 1 transposed storage,
 * 2 every other column of a wider matrix */
static lt_tensor *relayout(const lt_tensor *m, int layout) {
  int64_t r = m->size[0], c = m->size[1];
  if (layout == 0 || c == 0) return lt_clone(m);
  if (layout == 1) {
    lt_tensor *t = lt_transpose(m, 0, 1), *tc = lt_clone(t), *back = lt_transpose(tc, 0, 1);
    lt_tensor_release(t);
    lt_tensor_release(tc);
    return back;
  }
  int64_t s[2] = {r, 2 * c};
  lt_tensor *w = lt_tensor_zeros(m->dtype, 2, s);
  lt_tensor *v = lt_unfold(w, 1, 1, 2), *sel = lt_select(v, 2, 0);
  for (int64_t i = 0; i < r; i++)
    for (int64_t j = 0; j < c; j++) set2(sel, i, j, at2(m, i, j));
  lt_tensor_release(v);
  lt_tensor_release(w);
  return sel;
}

static double max_err(const lt_tensor *got, const lt_tensor *a, const lt_tensor *b, double beta,
                      const lt_tensor *m0, double alpha) {
  double err = 0;
  for (int64_t i = 0; i < a->size[0]; i++)
    for (int64_t j = 0; j < b->size[1]; j++) {
      double s = 0;
      for (int64_t p = 0; p < a->size[1]; p++) s += at2(a, i, p) * at2(b, p, j);
      double want = alpha * s + (m0 ? beta * at2(m0, i, j) : 0);
      double e = fabs(at2(got, i, j) - want);
      if (e > err) err = e;
    }
  return err;
}

static void test_shapes(void) {
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {65, 33, 17}, {1, 40, 9}, {12, 6, 1}, {4, 0, 3}};
  const lt_dtype dts[] = {LT_FLOAT32, LT_FLOAT64, LT_INT64};
  for (size_t d = 0; d < 3; d++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
      int64_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
      lt_tensor *a0 = matrix(dts[d], m, k, 1), *b0 = matrix(dts[d], k, n, 2);
      for (int la = 0; la < 3; la++)
        for (int lb = 0; lb < 3; lb++) {
          lt_tensor *a = relayout(a0, la), *b = relayout(b0, lb);
          lt_tensor *c = lt_mm(NULL, a, b);
          CHECK(c && c->size[0] == m && c->size[1] == n);
          if (c) CHECK(max_err(c, a, b, 0, NULL, 1) == 0);
          /* in place into a strided C: C = 2·C + 3·A·B */
          lt_tensor *c0 = matrix(dts[d], m, n, 3), *cs = relayout(c0, (la + lb) % 3);
          lt_tensor *r = lt_addmm(cs, 2, cs, 3, a, b);
          CHECK(r == cs);
          if (r) CHECK(max_err(cs, a, b, 2, c0, 3) == 0);
          lt_tensor_release(r);
          lt_tensor_release(cs);
          lt_tensor_release(c0);
          lt_tensor_release(c);
          lt_tensor_release(a);
          lt_tensor_release(b);
        }
      lt_tensor_release(a0);
      lt_tensor_release(b0);
    }
}

/* beta = 0 must ignore whatever the result held (NaN included) */
static void test_beta_zero(void) {
  lt_tensor *a = matrix(LT_FLOAT32, 8, 4, 1), *b = matrix(LT_FLOAT32, 4, 6, 2);
  int64_t s[2] = {8, 6};
  lt_tensor *c = lt_tensor_empty(LT_FLOAT32, 2, s);
  lt_fill_(c, NAN);
  lt_tensor *r = lt_mm(c, a, b);
  CHECK(r == c && max_err(c, a, b, 0, NULL, 1) == 0);
  int64_t s1[2] = {8, 1};
  lt_tensor *b1 = matrix(LT_FLOAT32, 4, 1, 2), *c1 = lt_tensor_empty(LT_FLOAT32, 2, s1);
  lt_fill_(c1, NAN);
  lt_tensor *r1 = lt_mm(c1, a, b1); /* the gemv path */
  CHECK(r1 == c1 && max_err(c1, a, b1, 0, NULL, 1) == 0);
  lt_tensor_release(r1);
  lt_tensor_release(c1);
  lt_tensor_release(b1);
  lt_tensor_release(r);
  lt_tensor_release(c);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

static void test_matmul_batch(void) {
  /* (2,1,3,4) x (5,4,2) -> (2,5,3,2) */
  int64_t sa[4] = {2, 1, 3, 4}, sb[3] = {5, 4, 2};
  lt_tensor *a = lt_tensor_empty(LT_FLOAT64, 4, sa), *b = lt_tensor_empty(LT_FLOAT64, 3, sb);
  double *pa = lt_tensor_data(a), *pb = lt_tensor_data(b);
  for (int i = 0; i < 24; i++) pa[i] = i % 7 - 3;
  for (int i = 0; i < 40; i++) pb[i] = i % 5 - 2;
  lt_tensor *r = lt_matmul(NULL, a, b);
  CHECK(r && r->ndim == 4 && r->size[0] == 2 && r->size[1] == 5 && r->size[2] == 3 && r->size[3] == 2);
  double err = 0;
  for (int x = 0; r && x < 2; x++)
    for (int y = 0; y < 5; y++) {
      lt_tensor *ra = lt_select(r, 0, x), *rb = lt_select(ra, 0, y);
      lt_tensor *aa = lt_select(a, 0, x), *ab = lt_select(aa, 0, 0), *bb = lt_select(b, 0, y);
      double e = max_err(rb, ab, bb, 0, NULL, 1);
      if (e > err) err = e;
      lt_tensor_release(ra);
      lt_tensor_release(rb);
      lt_tensor_release(aa);
      lt_tensor_release(ab);
      lt_tensor_release(bb);
    }
  CHECK(err == 0);
  lt_tensor_release(r);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

static void test_errors(void) {
  lt_tensor *a = matrix(LT_FLOAT32, 2, 3, 0), *b = matrix(LT_FLOAT32, 4, 5, 0);
  CHECK(lt_mm(NULL, a, b) == NULL);
  CHECK(strcmp(lt_last_error(), "mm: size mismatch, m1 is 2x3, m2 is 4x5") == 0);
  lt_tensor *d = matrix(LT_FLOAT64, 3, 2, 0);
  CHECK(lt_mm(NULL, a, d) == NULL && strstr(lt_last_error(), "one dtype"));
  int64_t s[2] = {2, 2};
  lt_tensor *sing = lt_tensor_zeros(LT_FLOAT64, 2, s);
  CHECK(lt_inverse(sing) == NULL && strstr(lt_last_error(), "inverse: matrix is singular"));
  lt_tensor_release(sing);
  lt_tensor_release(d);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

int main(void) {
  test_shapes();
  test_beta_zero();
  test_matmul_batch();
  test_errors();
  return check_summary("test_linalg");
}

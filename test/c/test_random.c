/* Random numbers through the C API: Philox known answers, generator state,
 * thread-count independence, separate generators and error values. */
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

/* Random123's kat_vectors for philox4x32 10: counter, key, expected. */
static void test_philox_known_answers(void) {
  static const uint32_t cases[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
       0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
       0x94fdcceb, 0x5001e420, 0x24126ea1}};
  for (int c = 0; c < 3; c++) {
    uint32_t out[4];
    lt_philox4x32_10(cases[c], cases[c] + 4, out);
    CHECK(memcmp(out, cases[c] + 6, sizeof out) == 0);
  }
}

static lt_tensor *vec(lt_dtype d, int64_t n) { return lt_tensor_empty(d, 1, &n); }

static bool same(const lt_tensor *a, const lt_tensor *b) {
  size_t n = (size_t)lt_tensor_numel(a) * lt_dtype_size(a->dtype);
  return lt_tensor_numel(a) == lt_tensor_numel(b) && memcmp(lt_tensor_data(a), lt_tensor_data(b), n) == 0;
}

static void test_reproducible(void) {
  int saved = lt_get_num_threads();
  lt_tensor *a = vec(LT_FLOAT64, 200000), *b = vec(LT_FLOAT64, 200000);
  lt_set_num_threads(1);
  lt_manual_seed(NULL, 42);
  CHECK(lt_normal_(a, NULL, 0, 1) == 0);
  CHECK(lt_generator_offset(NULL) == 200000);
  lt_set_num_threads(2);
  lt_manual_seed(NULL, 42);
  CHECK(lt_normal_(b, NULL, 0, 1) == 0);
  CHECK(same(a, b));
  lt_set_num_threads(saved);
  CHECK(lt_normal_(b, NULL, 0, 1) == 0); /* the stream moved on */
  CHECK(!same(a, b));

  /* a separate generator with the same seed gives the same numbers and
   * leaves the default one alone */
  lt_generator *g = lt_generator_new(42);
  uint64_t before = lt_generator_offset(NULL);
  CHECK(lt_normal_(b, g, 0, 1) == 0);
  CHECK(same(a, b));
  CHECK(lt_generator_offset(NULL) == before);
  CHECK(lt_initial_seed(g) == 42);

  /* state round trip */
  lt_tensor *s = lt_get_rng_state(g);
  CHECK(s && s->dtype == LT_UINT8 && lt_tensor_numel(s) == LT_RNG_STATE_BYTES);
  CHECK(lt_uniform_(a, g, -1, 1) == 0);
  CHECK(lt_set_rng_state(g, s) == 0);
  CHECK(lt_uniform_(b, g, -1, 1) == 0);
  CHECK(same(a, b));
  lt_tensor *bad = vec(LT_UINT8, 5);
  CHECK(lt_set_rng_state(g, bad) == -1 && strstr(lt_last_error(), "setRNGState") == lt_last_error());
  lt_tensor_release(bad);
  lt_tensor_release(s);
  lt_generator_free(g);
  lt_tensor_release(a);
  lt_tensor_release(b);
}

static void test_ranges_and_samplers(void) {
  lt_manual_seed(NULL, 3);
  lt_tensor *t = vec(LT_INT32, 10000);
  CHECK(lt_random_(t, NULL, -2, 2) == 0);
  const int32_t *v = lt_tensor_data(t);
  int seen[5] = {0};
  bool inside = true;
  for (int i = 0; i < 10000; i++) {
    inside = inside && v[i] >= -2 && v[i] <= 2;
    if (v[i] >= -2 && v[i] <= 2) seen[v[i] + 2] = 1;
  }
  CHECK(inside);
  CHECK(seen[0] && seen[1] && seen[2] && seen[3] && seen[4]);
  lt_tensor_release(t);

  lt_tensor *p = lt_randperm(NULL, 1000, LT_INT64);
  CHECK(p != NULL);
  const int64_t *pv = lt_tensor_data(p);
  char hit[1000] = {0};
  for (int i = 0; i < 1000; i++)
    if (pv[i] >= 0 && pv[i] < 1000) hit[pv[i]] = 1;
  CHECK(memchr(hit, 0, sizeof hit) == NULL);
  lt_tensor_release(p);

  float w[4] = {0, 1, 0, 3};
  int64_t k = 4;
  lt_tensor *probs = lt_tensor_empty(LT_FLOAT32, 1, &k);
  memcpy(lt_tensor_data(probs), w, sizeof w);
  lt_tensor *m = lt_multinomial(NULL, probs, 2, false);
  CHECK(m && m->dtype == LT_INT64 && lt_tensor_numel(m) == 2);
  const int64_t *mv = lt_tensor_data(m);
  CHECK((mv[0] == 1 && mv[1] == 3) || (mv[0] == 3 && mv[1] == 1));
  lt_tensor_release(m);
  CHECK(lt_multinomial(NULL, probs, 3, false) == NULL);
  CHECK(strstr(lt_last_error(), "multinomial:") == lt_last_error());
  lt_tensor_release(probs);
}

static void test_errors(void) {
  lt_tensor *f = vec(LT_FLOAT32, 3), *l = vec(LT_INT64, 3);
  CHECK(lt_uniform_(f, NULL, 1, 0) == -1 && strstr(lt_last_error(), "uniform: ") == lt_last_error());
  CHECK(lt_normal_(l, NULL, 0, 1) == -1 && strstr(lt_last_error(), "floating-point"));
  CHECK(lt_bernoulli_(f, NULL, -0.1) == -1 && strstr(lt_last_error(), "bernoulli: "));
  CHECK(lt_random_(l, NULL, 3, 2) == -1 && strstr(lt_last_error(), "random: "));
  CHECK(lt_randperm(NULL, -1, LT_INT64) == NULL && strstr(lt_last_error(), "randperm: "));
  lt_tensor_release(f);
  lt_tensor_release(l);
}

/* the paths the Lua spec drives, here too so that sanitizer builds of the
 * C tests see them: views, broadcast probabilities, 2-D multinomial,
 * saturating stores and half floats */
static void test_more_paths(void) {
  int64_t s23[2] = {2, 3};
  lt_tensor *a = lt_tensor_empty(LT_FLOAT64, 2, s23), *at = lt_transpose(a, 0, 1);
  lt_manual_seed(NULL, 9);
  CHECK(lt_uniform_(at, NULL, 0, 1) == 0);
  lt_tensor *c = lt_contiguous(at), *want = lt_tensor_empty(LT_FLOAT64, 2, (int64_t[]){3, 2});
  lt_manual_seed(NULL, 9);
  CHECK(lt_uniform_(want, NULL, 0, 1) == 0);
  CHECK(same(c, want)); /* a view is filled in its own row-major order */

  int64_t three = 3;
  lt_tensor *p = lt_tensor_empty(LT_FLOAT32, 1, &three);
  float *pv = lt_tensor_data(p);
  pv[0] = 0, pv[1] = 1, pv[2] = 0;
  lt_tensor *b = lt_tensor_empty(LT_UINT8, 2, s23);
  CHECK(lt_bernoulli_tensor_(b, NULL, p) == 0);
  const uint8_t *bv = lt_tensor_data(b);
  CHECK(bv[0] == 0 && bv[1] == 1 && bv[2] == 0 && bv[3] == 0 && bv[4] == 1 && bv[5] == 0);
  CHECK(lt_geometric_(b, NULL, 1e-6) == 0); /* huge draws saturate at 255 */
  CHECK(bv[0] >= 1);

  lt_tensor *probs = lt_tensor_empty(LT_FLOAT64, 2, s23);
  double *q = lt_tensor_data(probs);
  for (int i = 0; i < 6; i++) q[i] = i % 3 == 1 ? 0 : 1;
  lt_tensor *m = lt_multinomial(NULL, probs, 50, true);
  CHECK(m && m->ndim == 2 && m->size[0] == 2 && m->size[1] == 50);
  bool never_zero = true;
  for (int i = 0; m && i < 100; i++) never_zero = never_zero && ((int64_t *)lt_tensor_data(m))[i] != 1;
  CHECK(never_zero);

  lt_tensor *h = lt_tensor_empty(LT_FLOAT16, 1, &three);
  CHECK(lt_normal_(h, NULL, 0, 1) == 0 && lt_random_full_(h, NULL) == 0);
  lt_tensor *tensors[] = {a, at, c, want, p, b, probs, m, h};
  for (size_t i = 0; i < sizeof tensors / sizeof *tensors; i++) lt_tensor_release(tensors[i]);
}

int main(void) {
  test_more_paths();
  test_philox_known_answers();
  test_reproducible();
  test_ranges_and_samplers();
  test_errors();
  return check_summary("test_random");
}

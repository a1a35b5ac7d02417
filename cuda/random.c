/* Host side of random fills on the GPU (lib/ops/random.c hands device
 * tensors here): arguments checked, then numel counters reserved from lib's
 * generator exactly as a CPU fill reserves them, so torch.manualSeed(s)
 * gives the same numbers on either device (kernels/random.cu).
 *
 * multinomial runs the CPU's algorithms (lib/ops/random.c) on the same
 * counters: per row, one thread forms the running sums in the CPU's order
 * and checks the values; the checks are read back once, so errors read as
 * on the CPU; then every sample inverts its row's sums (with replacement),
 * or every category gets an exponential key whose n smallest, by a stable
 * segmented sort, are the draw (without). */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "lapack.h"
#include "lutorch/random.h"
#include "sort_kernels.h"
#include "lutorch/reduce.h"

/* bernoulli's probabilities as a contiguous float64 tensor of t's shape,
 * every one in [0, 1] */
static lt_tensor *probabilities(const lt_tensor *t, const lt_tensor *p) {
  char a[128], b[128];
  int nd;
  int64_t shape[LT_MAX_DIMS];
  if (!lt_device_equal(lt_tensor_device(t), lt_tensor_device(p)))
    return lt_error("bernoulli: tensors on different devices: the result is on %s, the "
                    "probabilities on %s", lt_device_str(lt_tensor_device(t), a, sizeof a),
                    lt_device_str(lt_tensor_device(p), b, sizeof b));
  if (lt_broadcast_shape("bernoulli", t->ndim, t->size, p->ndim, p->size, &nd, shape)) return NULL;
  if (nd != t->ndim || memcmp(shape, t->size, sizeof(int64_t) * (size_t)nd))
    return lt_error("bernoulli: probabilities of size %s do not broadcast to the size %s of the result",
                    lt_shape_str(p->ndim, p->size, a, 128), lt_shape_str(t->ndim, t->size, b, 128));
  lt_tensor *e = lt_expand(p, t->ndim, t->size);
  lt_tensor *pc = e ? lt_tensor_empty_on(LT_FLOAT64, t->ndim, t->size, lt_tensor_device(t)) : NULL;
  if (pc && lt_copy_(pc, e)) {
    lt_tensor_release(pc);
    pc = NULL;
  }
  lt_tensor_release(e);
  if (!pc || lt_tensor_numel(pc) == 0) return pc;
  lt_tensor *lo = NULL, *hi = NULL, *c = NULL;
  bool ok = false;
  if (!lt_cuda_reduce(LT_RED_MIN, pc, LT_ALL_DIMS, false, 0, &lo, NULL) &&
      !lt_cuda_reduce(LT_RED_MAX, pc, LT_ALL_DIMS, false, 0, &hi, NULL) &&
      (c = lt_tensor_to(lo, LT_FLOAT64, (lt_device){LT_CPU, 0}))) {
    double mn = *(const double *)lt_tensor_data(c);
    lt_tensor_release(c);
    if ((c = lt_tensor_to(hi, LT_FLOAT64, (lt_device){LT_CPU, 0}))) {
      double mx = *(const double *)lt_tensor_data(c);
      ok = mn >= 0 && mx <= 1;
      if (!ok) { /* name the first bad one, as the CPU does */
        lt_tensor_release(c);
        if ((c = lt_tensor_to(pc, LT_FLOAT64, (lt_device){LT_CPU, 0}))) {
          const double *v = lt_tensor_data(c);
          for (int64_t i = 0, n = lt_tensor_numel(c); i < n; i++)
            if (!(v[i] >= 0 && v[i] <= 1)) {
              lt_errorf("bernoulli: probabilities must be in [0, 1], got %g at element %lld", v[i],
                        (long long)i + 1);
              break;
            }
        }
      }
    }
  }
  lt_tensor_release(lo);
  lt_tensor_release(hi);
  lt_tensor_release(c);
  if (!ok) {
    lt_tensor_release(pc);
    return NULL;
  }
  return pc;
}

int lt_cuda_random_fill(lt_tensor *t, int dist, double p0, double p1, uint64_t lo, uint64_t range,
                        const lt_tensor *probs, struct lt_generator *g) {
  if (lt_tensor_device(t).type != LT_CUDA) return lt_errorf("random: expected a CUDA tensor");
  lt_tensor *pc = NULL;
  if (probs && !(pc = probabilities(t, probs))) return -1;
  int64_t n = lt_tensor_numel(t);
  if (n == 0) {
    lt_tensor_release(pc);
    return 0;
  }
  int dev = lt_cuda_dev_of(t);
  bool direct = lt_tensor_is_contiguous(t);
  lt_tensor *dst = direct ? t : lt_tensor_empty_on(t->dtype, t->ndim, t->size, lt_tensor_device(t));
  int rc = -1;
  if (dst && !lt_cuda_use("random", dev)) {
    uint64_t seed, offset = lt_generator_reserve(g, (uint64_t)n, &seed);
    cudaError_t err = ltk_random(t->dtype, lt_tensor_data(dst), n, dist, p0, p1, lo, range,
                                 pc ? lt_tensor_data(pc) : NULL, seed, offset,
                                 lt_cuda_sm_count(dev), lt_cuda_stream(dev));
    rc = err == cudaSuccess ? 0 : lt_cuda_fail("random", "the random kernel", err);
  }
  if (!rc && !direct) rc = lt_copy_(t, dst);
  if (!direct) lt_tensor_release(dst);
  lt_tensor_release(pc);
  if (!rc) lt_tensor_bump_version(t);
  return rc;
}

/* ---- multinomial ---- */

/* the first error of the CPU's checks, in its order, from the rows' info */
static int multi_check(const double *info, int64_t rows, int64_t n, bool replacement) {
  for (int64_t row = 0; row < rows; row++) {
    const double *o = info + row * 5;
    if (o[0] >= 0)
      return lt_errorf("multinomial: probabilities must be finite and >= 0, got %g (row %lld, "
                       "category %lld)", o[1], (long long)row + 1, (long long)o[0] + 1);
    if (o[2] == 0) return lt_errorf("multinomial: row %lld sums to zero", (long long)row + 1);
    if (!replacement && o[2] < (double)n)
      return lt_errorf("multinomial: cannot draw %lld samples without replacement: row %lld has "
                       "only %lld non-zero probabilities", (long long)n, (long long)row + 1,
                       (long long)o[2]);
    if (!(o[3] < INFINITY)) return lt_errorf("multinomial: row %lld sums to infinity", (long long)row + 1);
  }
  return 0;
}

lt_tensor *lt_cuda_multinomial(const lt_tensor *probs, int64_t n, bool replacement,
                               struct lt_generator *g) {
  const char *fn = "multinomial";
  if (lt_tensor_device(probs).type != LT_CUDA) return lt_error("%s: expected a CUDA tensor", fn);
  int64_t k = probs->size[probs->ndim - 1], rows = probs->ndim == 2 ? probs->size[0] : 1;
  int dev = lt_cuda_dev_of(probs);
  lt_device where = lt_tensor_device(probs);
  lt_tensor *d = lt_to_dtype(probs, LT_FLOAT64), *pc = d ? lt_contiguous(d) : NULL;
  lt_tensor_release(d);
  int64_t cs[2] = {rows, k}, is[2] = {rows, 5}, os[2] = {rows, n};
  lt_tensor *info = pc ? lt_tensor_empty_on(LT_FLOAT64, 2, is, where) : NULL;
  lt_tensor *cdf = info && replacement ? lt_tensor_empty_on(LT_FLOAT64, 2, cs, where) : NULL;
  lt_tensor *hinfo = NULL, *out = NULL, *keys = NULL, *idx = NULL, *first = NULL;
  if (!info || (replacement && !cdf) || lt_cuda_use(fn, dev)) goto done;
  int sms = lt_cuda_sm_count(dev);
  cudaStream_t s = lt_cuda_stream(dev);
  cudaError_t err = ltk_multinomial_scan(lt_tensor_data(pc), rows, k, cdf ? lt_tensor_data(cdf) : NULL,
                                         lt_tensor_data(info), sms, s);
  if (err != cudaSuccess) {
    lt_cuda_fail(fn, "the multinomial scan kernel", err);
    goto done;
  }
  if (!(hinfo = lt_tensor_to(info, LT_FLOAT64, (lt_device){LT_CPU, 0})) ||
      multi_check(lt_tensor_data(hinfo), rows, n, replacement))
    goto done;
  /* the CPU reserves after its checks too */
  uint64_t seed, offset = lt_generator_reserve(g, (uint64_t)(rows * (replacement ? n : k)), &seed);
  if (replacement) {
    if (!(out = lt_tensor_empty_on(LT_INT64, 2, os, where))) goto done;
    err = ltk_multinomial_draw(lt_tensor_data(cdf), lt_tensor_data(info), rows, k, n,
                               lt_tensor_data(out), seed, offset, sms, s);
    if (err != cudaSuccess) {
      lt_cuda_fail(fn, "the multinomial kernel", err);
      lt_tensor_release(out);
      out = NULL;
    }
  } else {
    if (!(keys = lt_tensor_empty_on(LT_FLOAT64, 2, cs, where)) ||
        !(idx = lt_tensor_empty_on(LT_INT64, 2, cs, where)))
      goto done;
    err = ltk_multinomial_keys(lt_tensor_data(pc), rows * k, lt_tensor_data(keys), seed, offset,
                               sms, s);
    if (err == cudaSuccess) /* stable: equal keys keep the category order, as the CPU's qsort */
      err = ltk_sort_rows(LT_FLOAT64, lt_tensor_data(keys), NULL, lt_tensor_data(idx), rows, k, 0,
                          dev, sms, s);
    if (err != cudaSuccess) {
      lt_cuda_fail(fn, "the multinomial sort", err);
      goto done;
    }
    if ((first = lt_narrow(idx, 1, 0, n))) out = lt_contiguous(first);
  }
  if (out && probs->ndim == 1) {
    lt_tensor *v = lt_view(out, 1, &n);
    lt_tensor_release(out);
    out = v;
  }
done:
  lt_tensor_release(pc);
  lt_tensor_release(info);
  lt_tensor_release(cdf);
  lt_tensor_release(hinfo);
  lt_tensor_release(keys);
  lt_tensor_release(idx);
  lt_tensor_release(first);
  return out;
}

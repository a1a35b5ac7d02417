/* Host side of random fills on the GPU (lib/ops/random.c hands device
 * tensors here): arguments checked, then numel counters reserved from lib's
 * generator exactly as a CPU fill reserves them, so torch.manualSeed(s)
 * gives the same numbers on either device (kernels/random.cu). */
#include <string.h>

#include "internal.h"
#include "lutorch/random.h"
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

/* The bits of lutorch's random numbers (random.h): Philox4x32-10 and the
 * conversions of its 128-bit blocks to uniform numbers. Plain C here and
 * device code in CUDA files (cuda/kernels/random.cu includes this header),
 * so that one seed gives the same numbers on either device. */
#ifndef LUTORCH_PHILOX_H
#define LUTORCH_PHILOX_H

#include <stdint.h>

/* callable from host and device code when compiled by nvcc */
#ifdef __CUDACC__
#define LT_HOST_DEVICE __host__ __device__
#else
#define LT_HOST_DEVICE
#endif

/* One 128-bit block: Philox4x32-10 of counter ctr under key. */
static inline LT_HOST_DEVICE void lt_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                                                   uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++) {
    if (r) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/* The 128 bits of counter k under seed. */
static inline LT_HOST_DEVICE void lt_rng_block(uint64_t seed, uint64_t k, uint32_t out[4]) {
  uint32_t ctr[4] = {(uint32_t)k, (uint32_t)(k >> 32), 0, 0};
  uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  lt_philox4x32_10(ctr, key, out);
}

/* A block's first 64 bits, and uniform numbers in [0, 1) from its first
 * 24 bits (float32 uniforms) or 53 bits (every other use). */
static inline LT_HOST_DEVICE uint64_t lt_rng_bits64(const uint32_t *r) {
  return ((uint64_t)r[0] << 32) | r[1];
}
static inline LT_HOST_DEVICE double lt_rng_u24(const uint32_t *r) {
  return (r[0] >> 8) * 0x1p-24;
}
static inline LT_HOST_DEVICE double lt_rng_u53(const uint32_t *r) {
  return (double)(lt_rng_bits64(r) >> 11) * 0x1p-53;
}

#endif

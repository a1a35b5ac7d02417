/* Random numbers.
 *
 * A generator is counter-based (Philox4x32-10): its state is (seed, offset).
 * Value number k of a generator is philox(counter = k, key = seed), 128 bits
 * that depend on nothing else. A fill of n elements reserves the offsets
 * [offset, offset + n) and element i (row-major) takes counter offset + i,
 * so a parallel fill computes element i alone and the numbers do not depend
 * on the thread count; the CUDA backend can use the same layout
 * (curand's Philox4_32_10 is the same function). The generator itself,
 * lt_philox4x32_10 and lt_rng_block, is in philox.h.
 *
 * Every function taking a generator accepts NULL for the default one.
 * The default generator starts with seed LT_DEFAULT_SEED. */
#ifndef LUTORCH_RANDOM_H
#define LUTORCH_RANDOM_H

#include "philox.h"
#include "tensor.h"

#define LT_DEFAULT_SEED 67280421310721ULL

/* Bytes of a saved state: "LTRN", version, 3 zero bytes, seed, offset
 * (little-endian uint64s). */
#define LT_RNG_STATE_BYTES 24

typedef struct lt_generator lt_generator;

lt_generator *lt_generator_new(uint64_t seed);
void lt_generator_free(lt_generator *g);
lt_generator *lt_default_generator(void);

/* Seed and rewind to offset 0. */
void lt_manual_seed(lt_generator *g, uint64_t seed);
/* Seed from /dev/urandom (time if unavailable); returns the seed, which is
 * below 2^53 so that a Lua number holds it exactly. */
uint64_t lt_seed(lt_generator *g);
uint64_t lt_initial_seed(lt_generator *g);
uint64_t lt_generator_offset(lt_generator *g);
/* Reserve n counters; returns the first. Thread-safe. */
uint64_t lt_generator_reserve(lt_generator *g, uint64_t n, uint64_t *seed);

/* The state as a new uint8 tensor of LT_RNG_STATE_BYTES; set it back. */
lt_tensor *lt_get_rng_state(lt_generator *g);
int lt_set_rng_state(lt_generator *g, const lt_tensor *state);

/* ---- in-place fills (t may be any view; element i in row-major order) ----
 * Float-only: uniform, normal, exponential, cauchy, log_normal.
 * Any real dtype: bernoulli, random, geometric. Return 0 or -1. */
int lt_uniform_(lt_tensor *t, lt_generator *g, double a, double b);       /* [a, b) */
int lt_normal_(lt_tensor *t, lt_generator *g, double mean, double std);
int lt_exponential_(lt_tensor *t, lt_generator *g, double lambda);
int lt_cauchy_(lt_tensor *t, lt_generator *g, double median, double sigma);
/* exp(normal(mean, std)): mean and std of the underlying normal (Torch7) */
int lt_log_normal_(lt_tensor *t, lt_generator *g, double mean, double std);
int lt_bernoulli_(lt_tensor *t, lt_generator *g, double p);
/* p broadcasts to t's shape; every p in [0, 1] */
int lt_bernoulli_tensor_(lt_tensor *t, lt_generator *g, const lt_tensor *p);
/* integers in [a, b], both inclusive (Torch7's t:random(a, b)) */
int lt_random_(lt_tensor *t, lt_generator *g, int64_t a, int64_t b);
/* integers in [0, m] with m = 2^mantissa for floats, the dtype's max else */
int lt_random_full_(lt_tensor *t, lt_generator *g);
/* trials up to the first success, success probability p in (0, 1] */
int lt_geometric_(lt_tensor *t, lt_generator *g, double p);

/* ---- sampling into new tensors ---- */
/* 0..n-1 permuted, as dtype (int64 usually; the Lua side adds 1) */
lt_tensor *lt_randperm(lt_generator *g, int64_t n, lt_dtype dtype);
/* probs: 1-D (k) or 2-D (rows x k) non-negative weights. Returns int64
 * 0-based category indices of shape (n) or (rows x n). */
lt_tensor *lt_multinomial(lt_generator *g, const lt_tensor *probs, int64_t n, bool replacement);

#endif

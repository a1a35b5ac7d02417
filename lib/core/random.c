/* Generators (see random.h): a seed and an offset under a lock. The lock is
 * held only to reserve a range of counters, never while numbers are made. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lutorch/random.h"

struct lt_generator {
  pthread_mutex_t lock;
  uint64_t seed, offset;
};

static lt_generator default_gen = {PTHREAD_MUTEX_INITIALIZER, LT_DEFAULT_SEED, 0};

lt_generator *lt_default_generator(void) { return &default_gen; }

lt_generator *lt_generator_new(uint64_t seed) {
  lt_generator *g = malloc(sizeof *g);
  if (!g) return lt_error("Generator: out of memory");
  pthread_mutex_init(&g->lock, NULL);
  g->seed = seed;
  g->offset = 0;
  return g;
}

void lt_generator_free(lt_generator *g) {
  if (!g || g == &default_gen) return;
  pthread_mutex_destroy(&g->lock);
  free(g);
}

static lt_generator *gen(lt_generator *g) { return g ? g : &default_gen; }

void lt_manual_seed(lt_generator *g, uint64_t seed) {
  g = gen(g);
  pthread_mutex_lock(&g->lock);
  g->seed = seed;
  g->offset = 0;
  pthread_mutex_unlock(&g->lock);
}

/* 64 bits of entropy: /dev/urandom, else the clock mixed with the pid. */
static uint64_t entropy(void) {
  uint64_t v = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, &v, sizeof v);
    close(fd);
    if (n == (ssize_t)sizeof v) return v;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  v = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
  /* splitmix64 finaliser spreads the few changing bits */
  v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ULL;
  v = (v ^ (v >> 27)) * 0x94D049BB133111EBULL;
  return v ^ (v >> 31);
}

uint64_t lt_seed(lt_generator *g) {
  uint64_t s = entropy() & ((1ULL << 53) - 1);
  lt_manual_seed(g, s);
  return s;
}

uint64_t lt_initial_seed(lt_generator *g) {
  g = gen(g);
  pthread_mutex_lock(&g->lock);
  uint64_t s = g->seed;
  pthread_mutex_unlock(&g->lock);
  return s;
}

uint64_t lt_generator_offset(lt_generator *g) {
  g = gen(g);
  pthread_mutex_lock(&g->lock);
  uint64_t o = g->offset;
  pthread_mutex_unlock(&g->lock);
  return o;
}

uint64_t lt_generator_reserve(lt_generator *g, uint64_t n, uint64_t *seed) {
  g = gen(g);
  pthread_mutex_lock(&g->lock);
  uint64_t o = g->offset;
  g->offset += n;
  *seed = g->seed;
  pthread_mutex_unlock(&g->lock);
  return o;
}

static const uint8_t magic[4] = {'L', 'T', 'R', 'N'};
#define STATE_VERSION 1

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

lt_tensor *lt_get_rng_state(lt_generator *g) {
  g = gen(g);
  int64_t n = LT_RNG_STATE_BYTES;
  lt_tensor *t = lt_tensor_empty(LT_UINT8, 1, &n);
  if (!t) return NULL;
  uint8_t *p = lt_tensor_data(t);
  memset(p, 0, LT_RNG_STATE_BYTES);
  memcpy(p, magic, 4);
  p[4] = STATE_VERSION;
  pthread_mutex_lock(&g->lock);
  put_u64(p + 8, g->seed);
  put_u64(p + 16, g->offset);
  pthread_mutex_unlock(&g->lock);
  return t;
}

int lt_set_rng_state(lt_generator *g, const lt_tensor *state) {
  g = gen(g);
  if (lt_tensor_device(state).type != LT_CPU)
    return lt_errorf("setRNGState: the state must be a CPU tensor");
  if (state->dtype != LT_UINT8 || lt_tensor_numel(state) != LT_RNG_STATE_BYTES)
    return lt_errorf("setRNGState: expected a state from getRNGState (a uint8 tensor of %d "
                     "elements), got a %s tensor of %lld elements",
                     LT_RNG_STATE_BYTES, lt_dtype_name(state->dtype),
                     (long long)lt_tensor_numel(state));
  lt_tensor *c = lt_contiguous(state);
  if (!c) return -1;
  const uint8_t *p = lt_tensor_data(c);
  int ok = memcmp(p, magic, 4) == 0 && p[4] == STATE_VERSION;
  uint64_t seed = get_u64(p + 8), offset = get_u64(p + 16);
  lt_tensor_release(c);
  if (!ok) return lt_errorf("setRNGState: not a state from getRNGState (bad header)");
  pthread_mutex_lock(&g->lock);
  g->seed = seed;
  g->offset = offset;
  pthread_mutex_unlock(&g->lock);
  return 0;
}

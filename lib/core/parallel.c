/* The thread pool (see parallel.h). One job at a time: the caller posts
 * (fn, ctx, chunks), wakes the workers, takes chunks itself, then waits for
 * the workers' chunks to finish. Nested calls run serially. */
#include "lutorch/parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

void openblas_set_num_threads(int n);

#define MAX_THREADS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static pthread_t workers[MAX_THREADS];
static int nworkers;  /* started */
static int nthreads;  /* wanted, including the caller; 0 = not set yet */

static struct {
  lt_range_fn fn;
  void *ctx;
  int64_t n, chunk;
  int nchunks;
  int next;      /* next chunk to take (under lock) */
  int pending;   /* chunks not finished */
  unsigned long generation;
} job;

static _Thread_local int in_parallel;

static bool take_chunk(int *c) {
  if (job.next >= job.nchunks) return false;
  *c = job.next++;
  return true;
}

static void run_chunk(int c) {
  int64_t b = (int64_t)c * job.chunk, e = b + job.chunk;
  if (e > job.n) e = job.n;
  in_parallel = 1;
  job.fn(b, e, job.ctx);
  in_parallel = 0;
}

static void *worker_main(void *arg) {
  (void)arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (job.generation == seen) pthread_cond_wait(&wake, &lock);
    seen = job.generation;
    int c;
    while (take_chunk(&c)) {
      pthread_mutex_unlock(&lock);
      run_chunk(c);
      pthread_mutex_lock(&lock);
      if (--job.pending == 0) pthread_cond_signal(&done);
    }
  }
  return NULL;
}

static int default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int lt_get_num_threads(void) {
  if (!nthreads) nthreads = default_threads();
  return nthreads;
}

void lt_set_num_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  nthreads = n;
  openblas_set_num_threads(n);
}

int lt_in_parallel(void) { return in_parallel; }

static void ensure_workers(int want) {
  while (nworkers < want) {
    if (pthread_create(&workers[nworkers], NULL, worker_main, NULL) != 0) break;
    pthread_detach(workers[nworkers]);
    nworkers++;
  }
}

void lt_parallel_for(int64_t n, int64_t grain, lt_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int threads = lt_get_num_threads();
  int64_t chunks = n / grain;
  if (chunks > threads) chunks = threads;
  if (chunks <= 1 || in_parallel || pthread_mutex_trylock(&submit) != 0) {
    fn(0, n, ctx);
    return;
  }
  pthread_mutex_lock(&lock);
  ensure_workers(threads - 1);
  if (nworkers == 0) {
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&submit);
    fn(0, n, ctx);
    return;
  }
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.nchunks = (int)chunks;
  job.chunk = (n + chunks - 1) / chunks;
  job.next = 0;
  job.pending = (int)chunks;
  job.generation++;
  pthread_cond_broadcast(&wake);
  int c;
  while (take_chunk(&c)) {
    pthread_mutex_unlock(&lock);
    run_chunk(c);
    pthread_mutex_lock(&lock);
    job.pending--;
  }
  while (job.pending > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&submit);
}

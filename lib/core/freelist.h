/* Per-thread free lists of fixed-size blocks (tensor structs, storage
 * structs, small data blocks).
 *
 * Small-op workloads make and drop a tensor per op, and the Lua GC frees
 * them in bursts of thousands: glibc's per-size caches hold 7 blocks, so
 * every burst went through malloc_consolidate. The lists are intrusive (a
 * free block holds the link), so a thread's list is 16 bytes of TLS and
 * needs no array sized in advance. A block
 * freed on another thread simply joins that thread's list. (Not the
 * initial-exec TLS model: liblutorch is dlopen'ed through the Lua module,
 * and glibc's static TLS surplus is already used up by then.) */
#ifndef LUTORCH_CORE_FREELIST_H
#define LUTORCH_CORE_FREELIST_H

#include <stdbool.h>
#include <stddef.h>


typedef struct lt_freelist {
  void *head;
  long n;
} lt_freelist;

static inline void *lt_freelist_pop(lt_freelist *fl) {
  void *p = fl->head;
  if (p) {
    fl->head = *(void **)p;
    fl->n--;
  }
  return p;
}

/* false when the list already holds keep blocks: free p yourself */
static inline bool lt_freelist_push(lt_freelist *fl, void *p, long keep) {
  if (fl->n >= keep) return false;
  *(void **)p = fl->head;
  fl->head = p;
  fl->n++;
  return true;
}

#endif

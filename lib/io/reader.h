/* A bounded little-endian reader shared by the loaders: every read checks
 * the bytes left first, so no loader can run past its input. A failed read
 * sets "<what>: truncated file (<label> <num> needs N bytes, M left)". */
#ifndef LUTORCH_IO_READER_H
#define LUTORCH_IO_READER_H

#include <stdint.h>
#include <string.h>

#include "lutorch/error.h"
#include "lutorch/io.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lib/io copies raw tensor data as little-endian: port the storage copies first"
#endif

typedef struct lt_reader {
  const uint8_t *p;
  size_t len, pos;
  const char *what;  /* error prefix, e.g. "load: model.t7" */
  const char *label; /* what is being read, e.g. "record" */
  uint64_t num;      /* its number or byte offset */
} lt_reader;

static inline void lt_rd_init(lt_reader *r, const void *p, size_t len, const char *what) {
  *r = (lt_reader){.p = p, .len = len, .what = what, .label = "file header"};
}

static inline size_t lt_rd_left(const lt_reader *r) { return r->len - r->pos; }

static inline int lt_rd_need(lt_reader *r, uint64_t n) {
  if (n <= lt_rd_left(r)) return 0;
  return lt_errorf("%s: truncated file (%s %llu needs %llu bytes, %zu left)", r->what, r->label,
                   (unsigned long long)r->num, (unsigned long long)n, lt_rd_left(r));
}

static inline const uint8_t *lt_rd_bytes(lt_reader *r, uint64_t n) {
  if (lt_rd_need(r, n)) return NULL;
  const uint8_t *q = r->p + r->pos;
  r->pos += (size_t)n;
  return q;
}

#define LT_RD_FIXED(name, type)                                      \
  static inline int name(lt_reader *r, type *out) {                  \
    const uint8_t *q = lt_rd_bytes(r, sizeof(type));                 \
    if (!q) return -1;                                               \
    memcpy(out, q, sizeof(type));                                    \
    return 0;                                                        \
  }
LT_RD_FIXED(lt_rd_u8, uint8_t)
LT_RD_FIXED(lt_rd_u16, uint16_t)
LT_RD_FIXED(lt_rd_u32, uint32_t)
LT_RD_FIXED(lt_rd_i32, int32_t)
LT_RD_FIXED(lt_rd_u64, uint64_t)
LT_RD_FIXED(lt_rd_i64, int64_t)
LT_RD_FIXED(lt_rd_f64, double)
#undef LT_RD_FIXED

/* graph.c: growing the graph, with the node/entry counts bounded by the
 * caller's checks against the bytes left. */
uint32_t lt_io_add_node(lt_io_graph *g, lt_io_kind kind);
int lt_io_add_entry(lt_io_graph *g, uint32_t target, const lt_io_value *k, const lt_io_value *v);
/* Bytes of a storage of numel elements, or -1 on overflow. */
int64_t lt_io_nbytes(lt_dtype d, int64_t numel);
/* Check a view's geometry against its storage (overflow-safe); 0 or -1. */
int lt_io_check_view(const char *what, const char *ctx, int64_t storage_numel, int64_t offset,
                     int ndim, const int64_t *size, const int64_t *stride);
/* A storage holding a copy of n bytes (bool bytes are normalised to 0/1). */
lt_storage *lt_io_storage_copy(lt_dtype d, int64_t numel, const void *data);

#endif

/* The native format's writer: records streamed to a sink, storages written
 * once each (found by pointer), table entries buffered per record. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/autograd.h"
#include "native.h"
#include "reader.h"

#define ENTRIES_FLUSH ((size_t)1 << 20) /* split huge tables into several records */

struct lt_native_writer {
  lt_sink *sink;
  uint32_t next_id;
  /* storage pointer -> record id (open addressing, power-of-two size) */
  const lt_storage **keys;
  uint32_t *ids;
  size_t nkeys, cap;
  /* the entries record being built */
  uint32_t target;
  uint64_t count;
  uint8_t *ebuf;
  size_t elen, ecap;
  int in_entries;
};

static int put(lt_native_writer *w, const void *p, size_t n) { return lt_sink_write(w->sink, p, n); }

static int record_head(lt_native_writer *w, uint8_t kind, uint64_t len) {
  return put(w, &kind, 1) || put(w, &len, 8) ? -1 : 0;
}

lt_native_writer *lt_native_writer_new(lt_sink *s) {
  lt_native_writer *w = calloc(1, sizeof *w);
  if (!w) return lt_error("out of memory");
  w->sink = s;
  uint16_t v[2] = {LT_NATIVE_MAJOR, LT_NATIVE_MINOR};
  if (put(w, LT_NATIVE_MAGIC, LT_NATIVE_MAGIC_LEN) || put(w, v, sizeof v)) {
    free(w);
    return NULL;
  }
  return w;
}

void lt_nw_free(lt_native_writer *w) {
  if (!w) return;
  free(w->keys);
  free(w->ids);
  free(w->ebuf);
  free(w);
}

static size_t slot(const lt_native_writer *w, const lt_storage *s) {
  size_t h = ((uintptr_t)s >> 4) * 0x9E3779B97F4A7C15ull;
  size_t i = h & (w->cap - 1);
  while (w->keys[i] && w->keys[i] != s) i = (i + 1) & (w->cap - 1);
  return i;
}

static int remember(lt_native_writer *w, const lt_storage *s, uint32_t id) {
  if ((w->nkeys + 1) * 2 > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    lt_native_writer old = *w;
    w->keys = calloc(cap, sizeof *w->keys);
    w->ids = calloc(cap, sizeof *w->ids);
    if (!w->keys || !w->ids) {
      free(w->keys);
      free(w->ids);
      w->keys = old.keys;
      w->ids = old.ids;
      return lt_errorf("out of memory");
    }
    w->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
      if (old.keys[i]) {
        size_t j = slot(w, old.keys[i]);
        w->keys[j] = old.keys[i];
        w->ids[j] = old.ids[i];
      }
    free(old.keys);
    free(old.ids);
  }
  size_t j = slot(w, s);
  w->keys[j] = s;
  w->ids[j] = id;
  w->nkeys++;
  return 0;
}

uint32_t lt_nw_storage(lt_native_writer *w, const lt_storage *s) {
  if (w->cap) {
    size_t j = slot(w, s);
    if (w->keys[j]) return w->ids[j];
  }
  if (s->device.type != LT_CPU) {
    lt_error("save: a CUDA storage cannot be saved directly: copy it to the CPU first");
    return LT_IO_NONE;
  }
  int code = native_dtype_code(s->dtype);
  int64_t numel = lt_storage_numel(s);
  uint8_t c = (uint8_t)code;
  if (code < 0 || record_head(w, REC_STORAGE, 9 + (uint64_t)s->nbytes) || put(w, &c, 1) ||
      put(w, &numel, 8) || put(w, s->data, (size_t)s->nbytes) || remember(w, s, w->next_id))
    return LT_IO_NONE;
  return w->next_id++;
}

uint32_t lt_nw_tensor(lt_native_writer *w, const lt_tensor *t) {
  uint32_t sid = lt_nw_storage(w, t->storage);
  if (sid == LT_IO_NONE) return LT_IO_NONE;
  uint8_t code = (uint8_t)native_dtype_code(t->dtype), ndim = (uint8_t)t->ndim;
  uint8_t flags = lt_requires_grad(t) ? TENSOR_REQUIRES_GRAD : 0;
  uint64_t len = 1 + 4 + 1 + 8 + 16 * (uint64_t)t->ndim + 1;
  if (record_head(w, REC_TENSOR, len) || put(w, &code, 1) || put(w, &sid, 4) ||
      put(w, &ndim, 1) || put(w, &t->offset, 8) || put(w, t->size, 8 * (size_t)t->ndim) ||
      put(w, t->stride, 8 * (size_t)t->ndim) || put(w, &flags, 1))
    return LT_IO_NONE;
  return w->next_id++;
}

uint32_t lt_nw_table(lt_native_writer *w) {
  if (record_head(w, REC_TABLE, 0)) return LT_IO_NONE;
  return w->next_id++;
}

uint32_t lt_nw_object(lt_native_writer *w, const char *classname) {
  uint32_t n = (uint32_t)strlen(classname);
  if (n == 0 || n > LT_NATIVE_MAX_NAME) {
    lt_error("save: class name '%s' is empty or longer than %d bytes", classname,
             LT_NATIVE_MAX_NAME);
    return LT_IO_NONE;
  }
  if (record_head(w, REC_OBJECT, 4 + (uint64_t)n) || put(w, &n, 4) || put(w, classname, n))
    return LT_IO_NONE;
  return w->next_id++;
}

/* ---- entries ---- */

static int ebuf_put(lt_native_writer *w, const void *p, size_t n) {
  if (w->elen + n > w->ecap) {
    size_t c = w->ecap ? w->ecap : 4096;
    while (c < w->elen + n) c *= 2;
    uint8_t *b = realloc(w->ebuf, c);
    if (!b) return lt_errorf("out of memory");
    w->ebuf = b;
    w->ecap = c;
  }
  memcpy(w->ebuf + w->elen, p, n);
  w->elen += n;
  return 0;
}

static int encode_value(lt_native_writer *w, const lt_io_value *v) {
  uint8_t tag = v->tag;
  if (tag >= VAL_NTAGS) return lt_errorf("save: unknown value type %u", tag);
  if (ebuf_put(w, &tag, 1)) return -1;
  switch (tag) {
  case VAL_NUMBER: return ebuf_put(w, &v->num, 8);
  case VAL_STRING: return ebuf_put(w, &v->len, 8) || ebuf_put(w, v->str, (size_t)v->len) ? -1 : 0;
  case VAL_REF: return ebuf_put(w, &v->ref, 4);
  default: return 0;
  }
}

static int flush_entries(lt_native_writer *w) {
  if (w->count == 0) return 0;
  if (record_head(w, REC_ENTRIES, 12 + (uint64_t)w->elen) || put(w, &w->target, 4) ||
      put(w, &w->count, 8) || put(w, w->ebuf, w->elen))
    return -1;
  w->next_id++;
  w->count = 0;
  w->elen = 0;
  return 0;
}

int lt_nw_entries_begin(lt_native_writer *w, uint32_t target) {
  if (w->in_entries) return lt_errorf("save: entries of record %u are still open", w->target);
  w->in_entries = 1;
  w->target = target;
  w->count = 0;
  w->elen = 0;
  return 0;
}

int lt_nw_pair(lt_native_writer *w, const lt_io_value *key, const lt_io_value *val) {
  if (!w->in_entries) return lt_errorf("save: pair outside entries");
  if (encode_value(w, key) || encode_value(w, val)) return -1;
  w->count++;
  return w->elen >= ENTRIES_FLUSH ? flush_entries(w) : 0;
}

int lt_nw_entries_end(lt_native_writer *w) {
  w->in_entries = 0;
  return flush_entries(w);
}

int lt_nw_finish(lt_native_writer *w, const lt_io_value *root) {
  w->elen = 0;
  if (encode_value(w, root) || record_head(w, REC_ROOT, w->elen) || put(w, w->ebuf, w->elen))
    return -1;
  w->next_id++;
  w->elen = 0;
  if (record_head(w, REC_END, 4)) return -1;
  uint32_t crc = lt_sink_crc(w->sink);
  return put(w, &crc, 4);
}

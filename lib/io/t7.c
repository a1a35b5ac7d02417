/* The reader of Torch7's .t7 files, binary and ascii.
 *
 * Torch7 writes values depth-first; we read them with an explicit stack
 * (a crafted file cannot overflow the C stack) into the object graph.
 * Tables and torch objects carry a reference index: an index seen before
 * is a reference to that object. Functions (bytecode) are refused. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "t7_types.h"

typedef enum { F_ROOT, F_TABLE, F_FIELDS } frame_kind;

typedef struct frame {
  frame_kind kind;
  uint32_t node;      /* table or object node */
  uint64_t remaining; /* F_TABLE: entries left */
  int have_key;
  lt_io_value key;
} frame;

typedef struct t7 {
  lt_reader r;
  int ascii;
  const char *what;
  lt_io_graph *g;
  frame *stack;
  size_t depth, cap;
  /* Torch7 reference index -> node (open addressing) */
  int32_t *keys;
  uint32_t *vals;
  uint8_t *used;
  size_t nidx, idxcap;
} t7;

/* ---- primitives: binary, or ascii tokens ---- */

static int is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* One ascii token (at most 63 chars) into buf; then eat one '\n' (Torch7's
 * auto-spacing ends each write with one). */
static int token(t7 *T, char *buf) {
  lt_reader *r = &T->r;
  while (r->pos < r->len && is_space(r->p[r->pos])) r->pos++;
  size_t n = 0;
  while (r->pos < r->len && !is_space(r->p[r->pos])) {
    if (n == 63) return lt_errorf("%s: malformed ascii file (number too long at byte %zu)", T->what, r->pos);
    buf[n++] = (char)r->p[r->pos++];
  }
  buf[n] = 0;
  if (n == 0)
    return lt_errorf("%s: truncated file (%s %llu needs a number, the file ends)", T->what,
                     r->label, (unsigned long long)r->num);
  if (r->pos < r->len && r->p[r->pos] == '\n') r->pos++;
  return 0;
}

static int ascii_integer(t7 *T, int64_t *v) {
  char buf[64], *end;
  if (token(T, buf)) return -1;
  errno = 0;
  long long x = strtoll(buf, &end, 10);
  if (*end || errno)
    return lt_errorf("%s: malformed ascii file ('%s' is not an integer, before byte %zu)", T->what,
                     buf, T->r.pos);
  *v = x;
  return 0;
}

static int rd_int(t7 *T, int32_t *v) {
  if (!T->ascii) return lt_rd_i32(&T->r, v);
  int64_t x = 0;
  if (ascii_integer(T, &x)) return -1;
  if (x < INT32_MIN || x > INT32_MAX)
    return lt_errorf("%s: malformed ascii file (%lld is out of the range of an int)", T->what,
                     (long long)x);
  *v = (int32_t)x;
  return 0;
}

static int rd_long(t7 *T, int64_t *v) {
  return T->ascii ? ascii_integer(T, v) : lt_rd_i64(&T->r, v);
}

static int rd_double(t7 *T, double *v) {
  if (!T->ascii) return lt_rd_f64(&T->r, v);
  char buf[64], *end;
  if (token(T, buf)) return -1;
  *v = strtod(buf, &end);
  if (*end)
    return lt_errorf("%s: malformed ascii file ('%s' is not a number, before byte %zu)", T->what,
                     buf, T->r.pos);
  return 0;
}

/* n raw bytes (strings, char/byte storages); ascii eats one '\n' after */
static const uint8_t *rd_raw(t7 *T, uint64_t n) {
  const uint8_t *p = lt_rd_bytes(&T->r, n);
  if (p && T->ascii && T->r.pos < T->r.len && T->r.p[T->r.pos] == '\n') T->r.pos++;
  return p;
}

/* an int length, then that many bytes */
static const uint8_t *rd_string(t7 *T, uint32_t *len) {
  int32_t n = 0;
  if (rd_int(T, &n)) return NULL;
  if (n < 0) return lt_error("%s: negative string length %d at byte %zu", T->what, n, T->r.pos);
  *len = (uint32_t)n;
  return rd_raw(T, (uint64_t)n);
}

/* ---- reference index ---- */

static size_t idx_slot(const t7 *T, int32_t key) {
  size_t i = ((uint32_t)key * 2654435761u) & (T->idxcap - 1);
  while (T->used[i] && T->keys[i] != key) i = (i + 1) & (T->idxcap - 1);
  return i;
}

static uint32_t idx_find(const t7 *T, int32_t key) {
  if (!T->idxcap) return LT_IO_NONE;
  size_t i = idx_slot(T, key);
  return T->used[i] ? T->vals[i] : LT_IO_NONE;
}

static int idx_add(t7 *T, int32_t key, uint32_t node) {
  if ((T->nidx + 1) * 2 > T->idxcap) {
    t7 old = *T;
    T->idxcap = old.idxcap ? old.idxcap * 2 : 64;
    T->keys = malloc(T->idxcap * sizeof *T->keys);
    T->vals = malloc(T->idxcap * sizeof *T->vals);
    T->used = calloc(T->idxcap, 1);
    if (!T->keys || !T->vals || !T->used) {
      free(T->keys), free(T->vals), free(T->used);
      T->keys = old.keys, T->vals = old.vals, T->used = old.used, T->idxcap = old.idxcap;
      return lt_errorf("out of memory");
    }
    for (size_t i = 0; i < old.idxcap; i++)
      if (old.used[i]) {
        size_t j = idx_slot(T, old.keys[i]);
        T->used[j] = 1, T->keys[j] = old.keys[i], T->vals[j] = old.vals[i];
      }
    free(old.keys), free(old.vals), free(old.used);
  }
  size_t j = idx_slot(T, key);
  T->used[j] = 1, T->keys[j] = key, T->vals[j] = node;
  T->nidx++;
  return 0;
}

/* ---- torch objects ---- */

static int store_integer(t7 *T, lt_dtype d, void *p, int64_t k) {
  int64_t lo = 0, hi = 0;
  switch (d) {
  case LT_INT64: memcpy(p, &k, 8); return 0;
  case LT_INT32: lo = INT32_MIN, hi = INT32_MAX; break;
  case LT_INT16: lo = INT16_MIN, hi = INT16_MAX; break;
  default: lo = 0, hi = 255; break; /* uint8 (int8 is read raw) */
  }
  if (k < lo || k > hi)
    return lt_errorf("%s: value %lld out of range for a %s storage (before byte %zu)", T->what,
                     (long long)k, lt_dtype_name(d), T->r.pos);
  lt_dtype_store(d, p, (double)k);
  return 0;
}

/* A storage body: size (long) then the elements. */
static int read_storage(t7 *T, lt_dtype d, uint32_t node) {
  int64_t numel;
  if (rd_long(T, &numel)) return -1;
  int64_t nbytes = lt_io_nbytes(d, numel);
  size_t esz = lt_dtype_size(d);
  if (nbytes < 0)
    return lt_errorf("%s: invalid storage size %lld before byte %zu", T->what, (long long)numel,
                     T->r.pos);
  /* binary: every byte must be there; ascii: every element takes >= 1 char */
  uint64_t need = T->ascii && esz > 1 ? (uint64_t)numel : (uint64_t)nbytes;
  if (lt_rd_need(&T->r, need)) return -1;
  if (!T->ascii || esz == 1) {
    lt_storage *s = lt_io_storage_copy(d, numel, rd_raw(T, (uint64_t)nbytes));
    if (!s) return -1;
    T->g->nodes[node].storage = s;
    return 0;
  }
  lt_storage *s = lt_storage_new(d, numel, (lt_device){LT_CPU, 0});
  if (!s) return -1;
  T->g->nodes[node].storage = s; /* released with the graph on failure */
  for (int64_t i = 0; i < numel; i++) {
    void *p = (char *)s->data + i * (int64_t)esz;
    if (lt_dtype_is_float(d)) {
      double x;
      if (rd_double(T, &x)) return -1;
      if (d != LT_FLOAT64 && isfinite(x) && fabs(x) > FLT_MAX) x = copysign(INFINITY, x);
      lt_dtype_store(d, p, x);
    } else {
      int64_t k;
      if (rd_long(T, &k)) return -1;
      if (store_integer(T, d, p, k)) return -1;
    }
  }
  return 0;
}

static int read_tensor(t7 *T, lt_dtype d, uint32_t node) {
  int32_t ndim;
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS], offset;
  size_t at = T->r.pos;
  if (rd_int(T, &ndim)) return -1;
  if (ndim < 0 || ndim > LT_MAX_DIMS)
    return lt_errorf("%s: tensor at byte %zu has %d dimensions, at most %d supported", T->what,
                     at, ndim, LT_MAX_DIMS);
  for (int i = 0; i < ndim; i++)
    if (rd_long(T, &size[i])) return -1;
  for (int i = 0; i < ndim; i++)
    if (rd_long(T, &stride[i])) return -1;
  if (rd_long(T, &offset)) return -1;
  offset = offset >= 1 ? offset - 1 : -1; /* Torch7 writes storageOffset + 1; < 1 is refused below */
  /* the storage: nil, a reference, or a new storage object */
  int32_t tag, index;
  uint32_t snode = LT_IO_NONE;
  if (rd_int(T, &tag)) return -1;
  if (tag == T7_TORCH) {
    if (rd_int(T, &index)) return -1;
    snode = idx_find(T, index);
    if (snode == LT_IO_NONE) {
      uint32_t vlen, clen;
      const uint8_t *v = rd_string(T, &vlen), *c = v;
      if (!v) return -1;
      if (vlen >= 2 && memcmp(v, "V ", 2) == 0 && !(c = rd_string(T, &clen))) return -1;
      if (c == v) clen = vlen;
      lt_dtype sd = LT_FLOAT32;
      if (!t7_match((const char *)c, clen, "Storage", &sd) || sd != d)
        return lt_errorf("%s: tensor at byte %zu: its storage is a '%.*s', expected a %s storage",
                         T->what, at, (int)(clen > 64 ? 64 : clen), c, lt_dtype_name(d));
      if ((snode = lt_io_add_node(T->g, LT_IO_STORAGE)) == LT_IO_NONE) return -1;
      if (idx_add(T, index, snode) || read_storage(T, d, snode)) return -1;
    }
    if (T->g->nodes[snode].kind != LT_IO_STORAGE || !T->g->nodes[snode].storage ||
        T->g->nodes[snode].storage->dtype != d)
      return lt_errorf("%s: tensor at byte %zu: its storage (reference %d) is not a %s storage",
                       T->what, at, index, lt_dtype_name(d));
  } else if (tag != T7_NIL) {
    return lt_errorf("%s: tensor at byte %zu: its storage has type tag %d", T->what, at, tag);
  }
  lt_io_node *n = &T->g->nodes[node];
  n->storage_node = snode;
  if (ndim == 0) { /* Torch7's empty tensor: lutorch's is 1-d of size 0 */
    int64_t zero = 0;
    n->tensor = snode == LT_IO_NONE ? lt_tensor_empty(d, 1, &zero)
                                    : lt_tensor_from_storage(T->g->nodes[snode].storage, 0, 1, &zero, NULL);
    return n->tensor ? 0 : -1;
  }
  char ctx[48];
  snprintf(ctx, sizeof ctx, "tensor at byte %zu", at);
  if (snode == LT_IO_NONE) { /* no storage: it must hold 0 elements */
    if (lt_io_check_view(T->what, ctx, 0, 0, ndim, size, stride)) return -1;
    lt_storage *empty = lt_storage_new(d, 0, (lt_device){LT_CPU, 0});
    if (!empty) return -1;
    n->tensor = lt_tensor_from_storage(empty, 0, ndim, size, stride);
    lt_storage_release(empty);
    return n->tensor ? 0 : -1;
  }
  lt_storage *s = T->g->nodes[snode].storage;
  if (lt_io_check_view(T->what, ctx, lt_storage_numel(s), offset, ndim, size, stride)) return -1;
  n->tensor = lt_tensor_from_storage(s, offset, ndim, size, stride);
  return n->tensor ? 0 : -1;
}

/* ---- the value loop ---- */

static int push(t7 *T, frame f) {
  if (T->depth == T->cap) {
    size_t c = T->cap ? T->cap * 2 : 32;
    frame *s = realloc(T->stack, c * sizeof *s);
    if (!s) return lt_errorf("out of memory");
    T->stack = s;
    T->cap = c;
  }
  T->stack[T->depth++] = f;
  return 0;
}

static int valid_class_name(const uint8_t *c, uint32_t n) {
  if (n == 0 || n > 256) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') ||
          (c[i] >= '0' && c[i] <= '9') || c[i] == '_' || c[i] == '.'))
      return 0;
  return 1;
}

/* A new torch object (after tag and index): a tensor, a storage, or a
 * class object whose fields table follows (then *open gets its frame). */
static int read_torch(t7 *T, int32_t index, lt_io_value *v, frame *open) {
  size_t at = T->r.pos;
  uint32_t vlen, clen;
  const uint8_t *ver = rd_string(T, &vlen), *c = ver;
  if (!ver) return -1;
  /* "V <n>" then the class name; files older than versions have no "V" */
  if (vlen >= 2 && memcmp(ver, "V ", 2) == 0 && !(c = rd_string(T, &clen))) return -1;
  if (c == ver) clen = vlen;
  if (!valid_class_name(c, clen))
    return lt_errorf("%s: object at byte %zu has an invalid class name", T->what, at);
  lt_dtype d = LT_FLOAT32;
  lt_io_kind kind = t7_match((const char *)c, clen, "Tensor", &d)    ? LT_IO_TENSOR
                    : t7_match((const char *)c, clen, "Storage", &d) ? LT_IO_STORAGE
                                                                     : LT_IO_OBJECT;
  uint32_t node = lt_io_add_node(T->g, kind);
  if (node == LT_IO_NONE || idx_add(T, index, node)) return -1;
  v->tag = LT_IO_REF;
  v->ref = node;
  if (kind == LT_IO_TENSOR) return read_tensor(T, d, node);
  if (kind == LT_IO_STORAGE) return read_storage(T, d, node);
  T->g->nodes[node].name = (const char *)c;
  T->g->nodes[node].namelen = clen;
  *open = (frame){.kind = F_FIELDS, .node = node};
  return 1;
}

/* Reads one value. Returns 0 for a complete value, 1 when it opened a
 * table or object whose contents follow (*open is its frame), -1 on error. */
static int read_value(t7 *T, lt_io_value *v, frame *open) {
  int32_t tag, index;
  size_t at = T->r.pos;
  T->r.label = "object at byte";
  T->r.num = at;
  memset(v, 0, sizeof *v);
  if (rd_int(T, &tag)) return -1;
  switch (tag) {
  case T7_NIL: v->tag = LT_IO_NIL; return 0;
  case T7_NUMBER: v->tag = LT_IO_NUMBER; return rd_double(T, &v->num);
  case T7_BOOLEAN: {
    int32_t b;
    if (rd_int(T, &b)) return -1;
    v->tag = b ? LT_IO_TRUE : LT_IO_FALSE;
    return 0;
  }
  case T7_STRING: {
    uint32_t n;
    if (!(v->str = (const char *)rd_string(T, &n))) return -1;
    v->tag = LT_IO_STRING;
    v->len = n;
    return 0;
  }
  case T7_FUNCTION: case T7_LEGACY_RECUR_FUNCTION: case T7_RECUR_FUNCTION:
    return lt_errorf("%s: the file holds a Lua function (bytecode) at byte %zu; refusing to "
                     "load it, since loading would run its code", T->what, at);
  case T7_TABLE: case T7_TORCH: break;
  default: return lt_errorf("%s: unknown type tag %d at byte %zu", T->what, tag, at);
  }
  if (rd_int(T, &index)) return -1;
  uint32_t seen = idx_find(T, index);
  if (seen != LT_IO_NONE) { /* a shared reference */
    lt_io_kind k = T->g->nodes[seen].kind;
    if ((tag == T7_TABLE) != (k == LT_IO_TABLE))
      return lt_errorf("%s: reference %d at byte %zu names a %s, not a %s", T->what, index, at,
                       k == LT_IO_TABLE ? "table" : "torch object",
                       tag == T7_TABLE ? "table" : "torch object");
    v->tag = LT_IO_REF;
    v->ref = seen;
    return 0;
  }
  if (tag == T7_TORCH) return read_torch(T, index, v, open);
  int32_t n;
  if (rd_int(T, &n)) return -1;
  if (n < 0 || (uint64_t)n > lt_rd_left(&T->r) / 2) /* an entry takes >= 2 bytes */
    return lt_errorf("%s: table at byte %zu claims %d entries, more than the file holds",
                     T->what, at, n);
  uint32_t node = lt_io_add_node(T->g, LT_IO_TABLE);
  if (node == LT_IO_NONE || idx_add(T, index, node)) return -1;
  v->tag = LT_IO_REF;
  v->ref = node;
  *open = (frame){.kind = F_TABLE, .node = node, .remaining = (uint64_t)n};
  return 1;
}

/* Hand a value to the innermost open container. */
static int deliver(t7 *T, const lt_io_value *v, size_t at) {
  frame *f = &T->stack[T->depth - 1];
  switch (f->kind) {
  case F_ROOT:
    T->g->root = *v;
    T->depth--;
    return 0;
  case F_FIELDS:
    if (v->tag != LT_IO_REF || T->g->nodes[v->ref].kind != LT_IO_TABLE)
      return lt_errorf("%s: object of class %.*s: expected its table of fields at byte %zu",
                       T->what, (int)T->g->nodes[f->node].namelen, T->g->nodes[f->node].name, at);
    T->g->nodes[f->node].fields = v->ref;
    T->depth--;
    return 0;
  case F_TABLE:
    if (!f->have_key) {
      if (v->tag == LT_IO_NIL || (v->tag == LT_IO_NUMBER && isnan(v->num)))
        return lt_errorf("%s: table key at byte %zu is %s", T->what, at,
                         v->tag == LT_IO_NIL ? "nil" : "NaN");
      f->key = *v;
      f->have_key = 1;
      return 0;
    }
    f->have_key = 0;
    f->remaining--;
    if (v->tag == LT_IO_NIL) return 0; /* t[k] = nil: nothing to store */
    return lt_io_add_entry(T->g, f->node, &f->key, v);
  }
  return 0;
}

int lt_t7_load(const void *buf, size_t len, lt_io_format fmt, const char *what, lt_io_graph *g) {
  lt_io_graph_init(g);
  if (fmt != LT_IO_T7_BINARY && fmt != LT_IO_T7_ASCII)
    return lt_errorf("%s: not a Torch7 file", what);
  t7 T = {.ascii = fmt == LT_IO_T7_ASCII, .what = what, .g = g};
  lt_rd_init(&T.r, buf, len, what);
  int rc = push(&T, (frame){.kind = F_ROOT});
  while (rc == 0 && T.depth > 0) {
    frame *top = &T.stack[T.depth - 1];
    if (top->kind == F_TABLE && top->remaining == 0) {
      T.depth--;
      continue;
    }
    lt_io_value v;
    frame open;
    size_t at = T.r.pos;
    int r = read_value(&T, &v, &open);
    if (r < 0 || deliver(&T, &v, at) || (r == 1 && push(&T, open))) rc = -1;
  }
  free(T.stack);
  free(T.keys);
  free(T.vals);
  free(T.used);
  if (rc) lt_io_graph_free(g);
  return rc;
}

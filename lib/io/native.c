/* The native format's loader: header, checksum, then records, each
 * validated against the bytes it has before anything is allocated. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lutorch/autograd.h"
#include "native.h"
#include "reader.h"

typedef struct parse {
  lt_reader *file;
  lt_io_graph *g;
  const char *what;
  uint16_t minor;
  uint32_t id; /* the record being read */
  int have_root;
} parse;

static const char *kind_name(lt_io_kind k) {
  static const char *names[] = {"storage", "tensor", "table", "object", "non-value"};
  return names[k];
}

static int check_ref(parse *P, uint32_t ref, int want_container) {
  if (ref >= P->id)
    return lt_errorf("%s: record %u refers to record %u, which is not yet read", P->what, P->id,
                     ref);
  lt_io_kind k = P->g->nodes[ref].kind;
  if (k == LT_IO_OTHER || (want_container && k != LT_IO_TABLE && k != LT_IO_OBJECT))
    return lt_errorf("%s: record %u refers to record %u, a %s record", P->what, P->id, ref,
                     kind_name(k));
  return 0;
}

static int read_value(parse *P, lt_reader *r, lt_io_value *v) {
  uint8_t tag;
  if (lt_rd_u8(r, &tag)) return -1;
  memset(v, 0, sizeof *v);
  v->tag = tag;
  switch (tag) {
  case VAL_NIL: case VAL_FALSE: case VAL_TRUE: return 0;
  case VAL_NUMBER: return lt_rd_f64(r, &v->num);
  case VAL_STRING: {
    uint64_t n;
    if (lt_rd_u64(r, &n)) return -1;
    if (!(v->str = (const char *)lt_rd_bytes(r, n))) return -1;
    v->len = n;
    return 0;
  }
  case VAL_REF:
    if (lt_rd_u32(r, &v->ref)) return -1;
    return check_ref(P, v->ref, 0);
  default:
    return lt_errorf("%s: record %u holds a value of unknown type %u", P->what, P->id, tag);
  }
}

static int read_storage(parse *P, lt_reader *r) {
  uint8_t code;
  int64_t numel;
  if (lt_rd_u8(r, &code) || lt_rd_i64(r, &numel)) return -1;
  if (code >= NATIVE_NDTYPES)
    return lt_errorf("%s: record %u: unknown dtype code %u", P->what, P->id, code);
  lt_dtype d = native_dtypes[code];
  int64_t nbytes = lt_io_nbytes(d, numel);
  if (nbytes < 0)
    return lt_errorf("%s: record %u: invalid storage size %lld", P->what, P->id,
                     (long long)numel);
  if ((uint64_t)nbytes > lt_rd_left(r))
    return lt_errorf("%s: record %u: storage of %lld %s elements needs %lld bytes, the record "
                     "holds %zu", P->what, P->id, (long long)numel, lt_dtype_name(d),
                     (long long)nbytes, lt_rd_left(r));
  lt_io_node *n = &P->g->nodes[P->id];
  n->storage = lt_io_storage_copy(d, numel, lt_rd_bytes(r, (uint64_t)nbytes));
  return n->storage ? 0 : -1;
}

static int read_tensor(parse *P, lt_reader *r) {
  uint8_t code, ndim;
  uint32_t sid;
  int64_t offset, size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  if (lt_rd_u8(r, &code) || lt_rd_u32(r, &sid) || lt_rd_u8(r, &ndim) || lt_rd_i64(r, &offset))
    return -1;
  if (ndim > LT_MAX_DIMS)
    return lt_errorf("%s: record %u: tensor has %u dimensions, at most %d supported", P->what,
                     P->id, ndim, LT_MAX_DIMS);
  for (int i = 0; i < ndim; i++)
    if (lt_rd_i64(r, &size[i])) return -1;
  for (int i = 0; i < ndim; i++)
    if (lt_rd_i64(r, &stride[i])) return -1;
  uint8_t flags = 0; /* 1.0 files have none */
  if (P->minor >= 1 && lt_rd_u8(r, &flags)) return -1;
  if (P->minor <= LT_NATIVE_MINOR && (flags & ~TENSOR_FLAGS_KNOWN))
    return lt_errorf("%s: record %u: unknown tensor flags %u", P->what, P->id, flags);
  if (code >= NATIVE_NDTYPES)
    return lt_errorf("%s: record %u: unknown dtype code %u", P->what, P->id, code);
  if (check_ref(P, sid, 0)) return -1;
  lt_io_node *sn = &P->g->nodes[sid];
  if (sn->kind != LT_IO_STORAGE)
    return lt_errorf("%s: record %u: tensor's storage is record %u, a %s", P->what, P->id, sid,
                     kind_name(sn->kind));
  if (sn->storage->dtype != native_dtypes[code])
    return lt_errorf("%s: record %u: %s tensor on a %s storage", P->what, P->id,
                     lt_dtype_name(native_dtypes[code]), lt_dtype_name(sn->storage->dtype));
  char ctx[32];
  snprintf(ctx, sizeof ctx, "record %u", P->id);
  if (lt_io_check_view(P->what, ctx, lt_storage_numel(sn->storage), offset, ndim, size, stride))
    return -1;
  lt_io_node *n = &P->g->nodes[P->id];
  n->storage_node = sid;
  if ((flags & TENSOR_REQUIRES_GRAD) && !lt_dtype_is_float(native_dtypes[code]))
    return lt_errorf("%s: record %u: a %s tensor cannot require grad", P->what, P->id,
                     lt_dtype_name(native_dtypes[code]));
  n->tensor = lt_tensor_from_storage(sn->storage, offset, ndim, size, stride);
  if (!n->tensor) return -1;
  return flags & TENSOR_REQUIRES_GRAD ? lt_set_requires_grad(n->tensor, true) : 0;
}

static int read_object(parse *P, lt_reader *r) {
  uint32_t len;
  const uint8_t *name;
  if (lt_rd_u32(r, &len)) return -1;
  if (len == 0 || len > LT_NATIVE_MAX_NAME)
    return lt_errorf("%s: record %u: class name of %u bytes", P->what, P->id, len);
  if (!(name = lt_rd_bytes(r, len))) return -1;
  for (uint32_t i = 0; i < len; i++) {
    uint8_t c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.'))
      return lt_errorf("%s: record %u: invalid class name", P->what, P->id);
  }
  P->g->nodes[P->id].name = (const char *)name;
  P->g->nodes[P->id].namelen = len;
  return 0;
}

static int read_entries(parse *P, lt_reader *r) {
  uint32_t target;
  uint64_t count;
  if (lt_rd_u32(r, &target) || lt_rd_u64(r, &count)) return -1;
  if (check_ref(P, target, 1)) return -1;
  if (count > lt_rd_left(r) / 2) /* each value takes at least one byte */
    return lt_errorf("%s: record %u: %llu entries cannot fit in %zu bytes", P->what, P->id,
                     (unsigned long long)count, lt_rd_left(r));
  for (uint64_t i = 0; i < count; i++) {
    lt_io_value k, v;
    if (read_value(P, r, &k) || read_value(P, r, &v)) return -1;
    if (k.tag == VAL_NIL || (k.tag == VAL_NUMBER && isnan(k.num)))
      return lt_errorf("%s: record %u: entry %llu has a %s key", P->what, P->id,
                       (unsigned long long)i + 1, k.tag == VAL_NIL ? "nil" : "NaN");
    if (v.tag == VAL_NIL)
      return lt_errorf("%s: record %u: entry %llu has a nil value", P->what, P->id,
                       (unsigned long long)i + 1);
    if (lt_io_add_entry(P->g, target, &k, &v)) return -1;
  }
  return 0;
}

static int read_record(parse *P, uint8_t kind, lt_reader *r) {
  switch (kind) {
  case REC_STORAGE: return read_storage(P, r);
  case REC_TENSOR: return read_tensor(P, r);
  case REC_TABLE: return 0;
  case REC_OBJECT: return read_object(P, r);
  case REC_ENTRIES: return read_entries(P, r);
  case REC_ROOT:
    if (P->have_root) return lt_errorf("%s: record %u: a second root", P->what, P->id);
    P->have_root = 1;
    return read_value(P, r, &P->g->root);
  default:
    /* a newer minor version may add record kinds: skip them */
    if (P->minor > LT_NATIVE_MINOR) return 0;
    return lt_errorf("%s: record %u has unknown kind %u", P->what, P->id, kind);
  }
}

static lt_io_kind node_kind(uint8_t kind) {
  switch (kind) {
  case REC_STORAGE: return LT_IO_STORAGE;
  case REC_TENSOR: return LT_IO_TENSOR;
  case REC_TABLE: return LT_IO_TABLE;
  case REC_OBJECT: return LT_IO_OBJECT;
  default: return LT_IO_OTHER;
  }
}

static int parse_records(parse *P) {
  lt_reader *f = P->file;
  for (;;) {
    uint8_t kind;
    uint64_t plen;
    f->label = "record";
    f->num = P->id;
    if (lt_rd_left(f) == 0)
      return lt_errorf("%s: truncated file (ends after record %u, no end record)", P->what,
                       P->id ? P->id - 1 : 0);
    if (lt_rd_u8(f, &kind) || lt_rd_u64(f, &plen)) return -1;
    const uint8_t *payload = lt_rd_bytes(f, plen);
    if (!payload) return -1;
    if (kind == REC_END) {
      if (plen != 4) return lt_errorf("%s: record %u: malformed end record", P->what, P->id);
      if (lt_rd_left(f))
        return lt_errorf("%s: %zu bytes of garbage after the end record", P->what, lt_rd_left(f));
      if (!P->have_root) return lt_errorf("%s: the file has no root record", P->what);
      return 0;
    }
    if (P->id == LT_IO_NONE - 1) return lt_errorf("%s: too many records", P->what);
    if (lt_io_add_node(P->g, node_kind(kind)) == LT_IO_NONE) return -1;
    lt_reader r;
    lt_rd_init(&r, payload, (size_t)plen, P->what);
    r.label = "record";
    r.num = P->id;
    if (read_record(P, kind, &r)) return -1;
    if (lt_rd_left(&r) && P->minor <= LT_NATIVE_MINOR) /* newer minors may append fields */
      return lt_errorf("%s: record %u has %zu unexpected bytes at its end", P->what, P->id,
                       lt_rd_left(&r));
    P->id++;
  }
}

int lt_native_load(const void *buf, size_t len, int flags, const char *what, lt_io_graph *g) {
  lt_reader f;
  lt_rd_init(&f, buf, len, what);
  lt_io_graph_init(g);
  const uint8_t *p = buf;
  if (len < LT_NATIVE_MAGIC_LEN || memcmp(p, LT_NATIVE_MAGIC, LT_NATIVE_MAGIC_LEN) != 0)
    return lt_errorf("%s: not a lutorch file (bad magic bytes)", what);
  f.pos = LT_NATIVE_MAGIC_LEN;
  uint16_t major, minor;
  if (lt_rd_u16(&f, &major) || lt_rd_u16(&f, &minor)) return -1;
  if (major > LT_NATIVE_MAJOR)
    return lt_errorf("%s: written by a newer lutorch (format %u.%u, this build reads %d.x)", what,
                     major, minor, LT_NATIVE_MAJOR);
  if (major < 1) return lt_errorf("%s: unknown format version %u.%u", what, major, minor);
  parse P = {.file = &f, .g = g, .what = what, .minor = minor};
  const uint8_t *end = p + len - LT_NATIVE_END_LEN;
  uint64_t endlen = 0;
  if (len >= LT_NATIVE_HEADER_LEN + LT_NATIVE_END_LEN) memcpy(&endlen, end + 1, 8);
  if (len < LT_NATIVE_HEADER_LEN + LT_NATIVE_END_LEN || end[0] != REC_END || endlen != 4) {
    /* no end record: find where the file breaks off, for a precise message */
    int rc = parse_records(&P);
    lt_io_graph_free(g);
    if (rc == 0) lt_errorf("%s: truncated file (no end record)", what);
    return -1;
  }
  if (!(flags & LT_IO_NO_CRC)) {
    uint32_t want, got = lt_io_crc32(0, p, len - 4);
    memcpy(&want, p + len - 4, 4);
    if (want != got)
      return lt_errorf("%s: checksum mismatch (file says %08x, contents give %08x): the file "
                       "is corrupted", what, want, got);
  }
  if (parse_records(&P) == 0) return 0;
  lt_io_graph_free(g);
  return -1;
}

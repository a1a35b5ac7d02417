/* safetensors (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header {name: {dtype, shape,
 * data_offsets}, "__metadata__": {str: str}}, then the tensor bytes. The
 * loader checks every offset against the data and the shapes; tensors must
 * tile the data exactly (no overlaps, no holes), as the format requires. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define MAX_HEADER ((uint64_t)100 << 20) /* the reference implementation's limit */

static const struct {
  const char *name;
  lt_dtype dtype;
} st_dtypes[] = {{"F32", LT_FLOAT32}, {"F64", LT_FLOAT64}, {"I64", LT_INT64},
                 {"I32", LT_INT32},   {"I16", LT_INT16},   {"I8", LT_INT8},
                 {"U8", LT_UINT8},    {"BOOL", LT_BOOL},   {"F16", LT_FLOAT16},
                 {"BF16", LT_BFLOAT16}};
#define ST_NDTYPES ((int)(sizeof st_dtypes / sizeof st_dtypes[0]))

void lt_st_free(lt_st_file *f) {
  for (size_t i = 0; i < f->n; i++) {
    free(f->names[i]);
    if (f->tensors[i]) lt_tensor_release(f->tensors[i]);
  }
  for (size_t i = 0; i < f->nmeta; i++) {
    free(f->meta_keys[i]);
    free(f->meta_values[i]);
  }
  free(f->names);
  free(f->tensors);
  free(f->meta_keys);
  free(f->meta_values);
  memset(f, 0, sizeof *f);
}

/* a JSON number that is an integer in [0, 2^53] */
static int json_index(const cJSON *j, uint64_t *out) {
  if (!cJSON_IsNumber(j)) return -1;
  double x = j->valuedouble;
  if (!(x >= 0 && x <= 9007199254740992.0) || x != (double)(uint64_t)x) return -1;
  *out = (uint64_t)x;
  return 0;
}

typedef struct span {
  uint64_t begin, end;
  size_t index;
} span;

static int by_begin(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static int read_metadata(const cJSON *m, const char *what, lt_st_file *out) {
  if (!cJSON_IsObject(m)) return lt_errorf("%s: __metadata__ is not an object", what);
  size_t n = (size_t)cJSON_GetArraySize(m);
  out->meta_keys = calloc(n ? n : 1, sizeof(char *));
  out->meta_values = calloc(n ? n : 1, sizeof(char *));
  if (!out->meta_keys || !out->meta_values) return lt_errorf("out of memory");
  for (const cJSON *e = m->child; e; e = e->next) {
    if (!cJSON_IsString(e))
      return lt_errorf("%s: __metadata__ value of '%s' is not a string", what, e->string);
    out->meta_keys[out->nmeta] = strdup(e->string);
    out->meta_values[out->nmeta] = strdup(e->valuestring);
    out->nmeta++;
    if (!out->meta_keys[out->nmeta - 1] || !out->meta_values[out->nmeta - 1])
      return lt_errorf("out of memory");
  }
  return 0;
}

/* One tensor's entry: checks dtype, shape and offsets; makes its tensor. */
static int read_tensor(const cJSON *e, const char *what, const uint8_t *data, uint64_t dlen,
                       lt_tensor **out, span *sp) {
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(e, "dtype");
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(e, "shape");
  const cJSON *jo = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
  const char *name = e->string;
  if (!cJSON_IsObject(e) || !cJSON_IsString(jd) || !cJSON_IsArray(js) || !cJSON_IsArray(jo))
    return lt_errorf("%s: tensor '%s' needs dtype, shape and data_offsets", what, name);
  int d = 0;
  while (d < ST_NDTYPES && strcmp(st_dtypes[d].name, jd->valuestring) != 0) d++;
  if (d == ST_NDTYPES)
    return lt_errorf("%s: tensor '%s' has unsupported dtype '%s'", what, name, jd->valuestring);
  lt_dtype dtype = st_dtypes[d].dtype;
  int ndim = cJSON_GetArraySize(js);
  if (ndim > LT_MAX_DIMS)
    return lt_errorf("%s: tensor '%s' has %d dimensions, at most %d supported", what, name, ndim,
                     LT_MAX_DIMS);
  int64_t size[LT_MAX_DIMS];
  uint64_t numel = 1, nonzero = 1, begin, end; /* nonzero: the strides' product must fit */
  int i = 0;
  for (const cJSON *s = js->child; s; s = s->next, i++) {
    uint64_t v;
    if (json_index(s, &v))
      return lt_errorf("%s: tensor '%s': shape entry %d is not a non-negative integer", what,
                       name, i + 1);
    if (v && nonzero > (uint64_t)INT64_MAX / v)
      return lt_errorf("%s: tensor '%s': shape overflows", what, name);
    size[i] = (int64_t)v;
    numel *= v;
    if (v) nonzero *= v;
  }
  if (cJSON_GetArraySize(jo) != 2 || json_index(jo->child, &begin) ||
      json_index(jo->child->next, &end) || begin > end)
    return lt_errorf("%s: tensor '%s': data_offsets must be [begin, end] with begin <= end", what,
                     name);
  int64_t nbytes = lt_io_nbytes(dtype, (int64_t)numel);
  if (end > dlen)
    return lt_errorf("%s: tensor '%s': data_offsets [%llu, %llu] run past the %llu data bytes",
                     what, name, (unsigned long long)begin, (unsigned long long)end,
                     (unsigned long long)dlen);
  if (nbytes < 0 || (uint64_t)nbytes != end - begin)
    return lt_errorf("%s: tensor '%s': shape needs %lld bytes of %s, data_offsets give %llu",
                     what, name, (long long)nbytes, st_dtypes[d].name,
                     (unsigned long long)(end - begin));
  sp->begin = begin;
  sp->end = end;
  lt_storage *st = lt_io_storage_copy(dtype, (int64_t)numel, data + begin);
  if (!st) return -1;
  *out = lt_tensor_from_storage(st, 0, ndim, size, NULL);
  lt_storage_release(st);
  return *out ? 0 : -1;
}

static int load_header(const cJSON *h, const char *what, const uint8_t *data, uint64_t dlen,
                       lt_st_file *out) {
  size_t n = 0;
  for (const cJSON *e = h->child; e; e = e->next) n += strcmp(e->string, "__metadata__") != 0;
  span *spans = calloc(n ? n : 1, sizeof *spans);
  out->names = calloc(n ? n : 1, sizeof(char *));
  out->tensors = calloc(n ? n : 1, sizeof(lt_tensor *));
  if (!spans || !out->names || !out->tensors) {
    free(spans);
    return lt_errorf("out of memory");
  }
  int rc = 0, have_meta = 0;
  for (const cJSON *e = h->child; e && !rc; e = e->next) {
    if (strcmp(e->string, "__metadata__") == 0) {
      if (have_meta++) rc = lt_errorf("%s: two __metadata__ entries", what);
      else rc = read_metadata(e, what, out);
      continue;
    }
    size_t k = out->n;
    for (size_t j = 0; j < k && !rc; j++) /* headers are small: quadratic is fine */
      if (strcmp(out->names[j], e->string) == 0)
        rc = lt_errorf("%s: tensor name '%s' appears twice", what, e->string);
    if (rc) break;
    if (!(out->names[k] = strdup(e->string))) rc = lt_errorf("out of memory");
    out->n++;
    spans[k].index = k;
    if (!rc) rc = read_tensor(e, what, data, dlen, &out->tensors[k], &spans[k]);
  }
  if (!rc) { /* the tensors must tile the data: no overlap, no hole */
    qsort(spans, out->n, sizeof *spans, by_begin);
    uint64_t at = 0;
    for (size_t k = 0; k < out->n && !rc; k++) {
      if (spans[k].begin < at)
        rc = lt_errorf("%s: tensor '%s' overlaps another tensor's bytes", what,
                       out->names[spans[k].index]);
      else if (spans[k].begin > at)
        rc = lt_errorf("%s: data bytes [%llu, %llu) belong to no tensor", what,
                       (unsigned long long)at, (unsigned long long)spans[k].begin);
      at = spans[k].end;
    }
    if (!rc && at != dlen)
      rc = lt_errorf("%s: %llu data bytes after the last tensor", what,
                     (unsigned long long)(dlen - at));
  }
  free(spans);
  return rc;
}

int lt_st_load(const void *buf, size_t len, const char *what, lt_st_file *out) {
  memset(out, 0, sizeof *out);
  lt_reader r;
  lt_rd_init(&r, buf, len, what);
  uint64_t hlen;
  if (lt_rd_u64(&r, &hlen)) return -1;
  r.label = "header of";
  r.num = hlen;
  if (hlen > MAX_HEADER)
    return lt_errorf("%s: header of %llu bytes, more than the %llu allowed", what,
                     (unsigned long long)hlen, (unsigned long long)MAX_HEADER);
  const char *h = (const char *)lt_rd_bytes(&r, hlen);
  if (!h) return -1;
  if (hlen < 2 || h[0] != '{') return lt_errorf("%s: the header is not a JSON object", what);
  const char *end = NULL;
  cJSON *json = cJSON_ParseWithLengthOpts(h, (size_t)hlen, &end, 0);
  if (!json) return lt_errorf("%s: the header is not valid JSON (near byte %zu)", what,
                              (size_t)((end ? end : h) - h) + 8);
  while (end < h + hlen && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')) end++;
  int rc = 0;
  if (end != h + hlen) rc = lt_errorf("%s: bytes after the JSON header", what);
  else if (!cJSON_IsObject(json)) rc = lt_errorf("%s: the header is not a JSON object", what);
  else rc = load_header(json, what, r.p + r.pos, lt_rd_left(&r), out);
  cJSON_Delete(json);
  if (rc) lt_st_free(out);
  return rc;
}

/* ---- writing ---- */

static const char *st_name(lt_dtype d) {
  for (int i = 0; i < ST_NDTYPES; i++)
    if (st_dtypes[i].dtype == d) return st_dtypes[i].name;
  return NULL;
}

int lt_st_save(lt_sink *s, size_t n, const char *const *names, lt_tensor *const *tensors,
               size_t nmeta, const char *const *meta_keys, const char *const *meta_values) {
  cJSON *h = cJSON_CreateObject();
  if (!h) return lt_errorf("out of memory");
  int rc = 0;
  if (nmeta) {
    cJSON *m = cJSON_AddObjectToObject(h, "__metadata__");
    for (size_t i = 0; m && i < nmeta; i++)
      if (!cJSON_AddStringToObject(m, meta_keys[i], meta_values[i])) m = NULL;
    if (!m) rc = lt_errorf("out of memory");
  }
  uint64_t at = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const lt_tensor *t = tensors[i];
    if (strcmp(names[i], "__metadata__") == 0) {
      rc = lt_errorf("saveSafetensors: '__metadata__' cannot name a tensor");
      break;
    }
    if (t->storage->device.type != LT_CPU) {
      rc = lt_errorf("saveSafetensors: tensor '%s' is on the GPU: copy it to the CPU first", names[i]);
      break;
    }
    cJSON *e = cJSON_AddObjectToObject(h, names[i]);
    cJSON *shape = e ? cJSON_AddArrayToObject(e, "shape") : NULL;
    cJSON *offs = e ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
    uint64_t nbytes = (uint64_t)lt_tensor_numel(t) * lt_dtype_size(t->dtype);
    if (!offs || !cJSON_AddStringToObject(e, "dtype", st_name(t->dtype))) {
      rc = lt_errorf("out of memory");
      break;
    }
    for (int k = 0; k < t->ndim; k++)
      cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->size[k]));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)at));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(at + nbytes)));
    at += nbytes;
  }
  char *text = rc ? NULL : cJSON_PrintUnformatted(h);
  cJSON_Delete(h);
  if (rc) return rc;
  if (!text) return lt_errorf("out of memory");
  uint64_t hlen = strlen(text), padded = (hlen + 7) & ~(uint64_t)7; /* keep data 8-aligned */
  static const char spaces[8] = "        ";
  rc = lt_sink_write(s, &padded, 8) || lt_sink_write(s, text, hlen) ||
       lt_sink_write(s, spaces, padded - hlen) ? -1 : 0;
  free(text);
  for (size_t i = 0; i < n && !rc; i++) {
    lt_tensor *c = lt_contiguous(tensors[i]);
    if (!c) return -1;
    rc = lt_sink_write(s, lt_tensor_data(c), (size_t)lt_tensor_numel(c) * lt_dtype_size(c->dtype));
    lt_tensor_release(c);
  }
  return rc;
}

/* Torch7's .t7 format, binary or ascii, written item by item: the caller
 * (the Lua glue) walks the values and reference indices; this file knows
 * the layout of the items and of tensor and storage bodies.
 *
 * Both modes share one writer: every item is an array of one primitive
 * type (ints, longs, doubles, elements, raw bytes), which the binary mode
 * writes as native bytes and the ascii mode as Torch7's DiskFile text:
 * numbers printed with %d / %lld / %.9g (float, half) / %.17g (double),
 * separated by one space, the array ended by '\n'; byte and char arrays
 * written raw, then '\n'; an empty array writes nothing at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/io.h"
#include "t7_types.h"

struct lt_t7_writer {
  lt_sink *sink;
  int ascii;
};

lt_t7_writer *lt_t7_writer_new(lt_sink *s, int ascii) {
  lt_t7_writer *w = calloc(1, sizeof *w);
  if (!w) return lt_error("out of memory");
  w->sink = s;
  w->ascii = ascii != 0;
  return w;
}

void lt_t7w_free(lt_t7_writer *w) { free(w); }

/* One ascii number into buf (at most 32 chars); returns its length. */
static int ascii_elem(char *buf, lt_dtype d, const void *p) {
  switch (d) {
  case LT_FLOAT64: return snprintf(buf, 32, "%.17g", *(const double *)p);
  case LT_FLOAT32: return snprintf(buf, 32, "%.9g", (double)*(const float *)p);
  case LT_FLOAT16: return snprintf(buf, 32, "%.9g", (double)lt_half_to_float(*(const lt_half *)p));
  case LT_INT64: return snprintf(buf, 32, "%lld", (long long)*(const int64_t *)p);
  case LT_INT32: return snprintf(buf, 32, "%d", (int)*(const int32_t *)p);
  default: return snprintf(buf, 32, "%d", (int)*(const int16_t *)p); /* int16 */
  }
}

/* n elements of dtype d at p: raw bytes (binary, or ascii byte/char/bool
 * data) or space-separated numbers, batched through a small buffer. */
static int write_array(lt_t7_writer *w, lt_dtype d, const void *p, size_t n) {
  size_t esz = lt_dtype_size(d);
  if (!w->ascii || esz == 1) {
    if (lt_sink_write(w->sink, p, n * esz)) return -1;
    return w->ascii && n > 0 ? lt_sink_write(w->sink, "\n", 1) : 0;
  }
  char buf[4096];
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (len > sizeof buf - 34) {
      if (lt_sink_write(w->sink, buf, len)) return -1;
      len = 0;
    }
    len += (size_t)ascii_elem(buf + len, d, (const char *)p + i * esz);
    buf[len++] = i + 1 < n ? ' ' : '\n';
  }
  return len ? lt_sink_write(w->sink, buf, len) : 0;
}

int lt_t7w_int(lt_t7_writer *w, int32_t v) { return write_array(w, LT_INT32, &v, 1); }
int lt_t7w_double(lt_t7_writer *w, double v) { return write_array(w, LT_FLOAT64, &v, 1); }

int lt_t7w_string(lt_t7_writer *w, const char *p, size_t n) {
  if (n > INT32_MAX) return lt_errorf("save: a string of %zu bytes is too long for Torch7", n);
  return lt_t7w_int(w, (int32_t)n) || write_array(w, LT_INT8, p, n) ? -1 : 0;
}

/* bool has no Torch7 type: its bytes are written as a ByteTensor */
static lt_dtype t7_dtype(lt_dtype d) { return d == LT_BOOL ? LT_UINT8 : d; }

static const char *class_name(lt_dtype d, const char *suffix, char *buf, size_t n) {
  d = t7_dtype(d);
  for (int i = 0; i < T7_NTYPES; i++)
    if (t7_types[i].dtype == d && t7_types[i].prefix[0]) {
      snprintf(buf, n, "torch.%s%s", t7_types[i].prefix, suffix);
      return buf;
    }
  return NULL;
}

const char *lt_t7_tensor_class(lt_dtype d) {
  static _Thread_local char buf[32];
  return class_name(d, "Tensor", buf, sizeof buf);
}

const char *lt_t7_storage_class(lt_dtype d) {
  static _Thread_local char buf[32];
  return class_name(d, "Storage", buf, sizeof buf);
}

int lt_t7w_storage_body(lt_t7_writer *w, const lt_storage *s) {
  if (s->device.type != LT_CPU)
    return lt_errorf("save: a CUDA storage cannot be saved directly: copy it to the CPU first");
  int64_t numel = lt_storage_numel(s);
  return write_array(w, LT_INT64, &numel, 1) ||
                 write_array(w, t7_dtype(s->dtype), s->data, (size_t)numel)
             ? -1 : 0;
}

/* nDimension, sizes, strides, storageOffset + 1. Torch7 has no 0-dim
 * scalars (written as 1-d of size 1) and no size-0 dims (an empty tensor
 * is written with no dimensions). */
int lt_t7w_tensor_body(lt_t7_writer *w, const lt_tensor *t) {
  int32_t ndim = t->ndim;
  int64_t one = 1, offset = t->offset + 1;
  const int64_t *size = t->size, *stride = t->stride;
  if (lt_tensor_numel(t) == 0) ndim = 0;
  else if (ndim == 0) ndim = 1, size = &one, stride = &one;
  return lt_t7w_int(w, ndim) || write_array(w, LT_INT64, size, (size_t)ndim) ||
                 write_array(w, LT_INT64, stride, (size_t)ndim) ||
                 write_array(w, LT_INT64, &offset, 1)
             ? -1 : 0;
}

/* Torch7's binary format, written item by item: the caller (the Lua glue)
 * walks the values and reference indices; this file knows the byte layout
 * of the items and of tensor and storage bodies. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/io.h"
#include "t7_types.h"

struct lt_t7_writer {
  lt_sink *sink;
};

lt_t7_writer *lt_t7_writer_new(lt_sink *s) {
  lt_t7_writer *w = calloc(1, sizeof *w);
  if (!w) return lt_error("out of memory");
  w->sink = s;
  return w;
}

void lt_t7w_free(lt_t7_writer *w) { free(w); }

int lt_t7w_int(lt_t7_writer *w, int32_t v) { return lt_sink_write(w->sink, &v, 4); }
int lt_t7w_double(lt_t7_writer *w, double v) { return lt_sink_write(w->sink, &v, 8); }

int lt_t7w_string(lt_t7_writer *w, const char *p, size_t n) {
  if (n > INT32_MAX) return lt_errorf("save: a string of %zu bytes is too long for Torch7", n);
  return lt_t7w_int(w, (int32_t)n) || lt_sink_write(w->sink, p, n) ? -1 : 0;
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
  return lt_sink_write(w->sink, &numel, 8) || lt_sink_write(w->sink, s->data, (size_t)s->nbytes)
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
  return lt_t7w_int(w, ndim) || lt_sink_write(w->sink, size, 8 * (size_t)ndim) ||
         lt_sink_write(w->sink, stride, 8 * (size_t)ndim) || lt_sink_write(w->sink, &offset, 8)
             ? -1 : 0;
}

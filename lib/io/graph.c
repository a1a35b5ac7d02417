/* The object graph loaders build (see io.h), and checks they share. */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

void lt_io_graph_init(lt_io_graph *g) {
  memset(g, 0, sizeof *g);
  g->root.tag = LT_IO_NIL;
}

void lt_io_graph_free(lt_io_graph *g) {
  for (size_t i = 0; i < g->nnodes; i++) {
    if (g->nodes[i].tensor) lt_tensor_release(g->nodes[i].tensor);
    if (g->nodes[i].storage) lt_storage_release(g->nodes[i].storage);
  }
  free(g->nodes);
  free(g->entries);
  lt_io_graph_init(g);
}

/* Grow an array geometrically; the callers bound the counts by the input. */
static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * elem);
  if (!q) return lt_errorf("out of memory");
  *p = q;
  *cap = c;
  return 0;
}

uint32_t lt_io_add_node(lt_io_graph *g, lt_io_kind kind) {
  if (g->nnodes >= LT_IO_NONE - 1) {
    lt_error("too many objects");
    return LT_IO_NONE;
  }
  if (grow((void **)&g->nodes, &g->capnodes, g->nnodes + 1, sizeof *g->nodes)) return LT_IO_NONE;
  lt_io_node *n = &g->nodes[g->nnodes];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->storage_node = LT_IO_NONE;
  n->fields = LT_IO_NONE;
  return (uint32_t)g->nnodes++;
}

int lt_io_add_entry(lt_io_graph *g, uint32_t target, const lt_io_value *k, const lt_io_value *v) {
  if (grow((void **)&g->entries, &g->capentries, g->nentries + 1, sizeof *g->entries)) return -1;
  g->entries[g->nentries++] = (lt_io_entry){.target = target, .key = *k, .val = *v};
  return 0;
}

int64_t lt_io_nbytes(lt_dtype d, int64_t numel) {
  int64_t esz = (int64_t)lt_dtype_size(d);
  if (numel < 0 || numel > INT64_MAX / esz) return -1;
  return numel * esz;
}

int lt_io_check_view(const char *what, const char *ctx, int64_t storage_numel, int64_t offset,
                     int ndim, const int64_t *size, const int64_t *stride) {
  if (ndim < 0 || ndim > LT_MAX_DIMS)
    return lt_errorf("%s: %s has %d dimensions, at most %d supported", what, ctx, ndim,
                     LT_MAX_DIMS);
  if (offset < 0)
    return lt_errorf("%s: %s has negative storage offset %lld", what, ctx, (long long)offset);
  int64_t numel = 1, nonzero = 1; /* the product of the non-zero sizes must fit too:
                                      contiguous strides are computed from it */
  for (int i = 0; i < ndim; i++) {
    if (size[i] < 0)
      return lt_errorf("%s: %s has negative size %lld in dimension %d", what, ctx,
                       (long long)size[i], i + 1);
    if (stride[i] < 0)
      return lt_errorf("%s: %s has negative stride %lld in dimension %d", what, ctx,
                       (long long)stride[i], i + 1);
    if (size[i] && nonzero > INT64_MAX / size[i])
      return lt_errorf("%s: %s sizes overflow", what, ctx);
    if (size[i]) nonzero *= size[i];
    numel *= size[i];
  }
  if (numel == 0) { /* reaches no element, but its start must still be in (or at the end of) storage */
    if (offset > storage_numel)
      return lt_errorf("%s: %s starts at element %lld, its storage has %lld", what, ctx,
                       (long long)offset, (long long)storage_numel);
    return 0;
  }
  int64_t last = offset; /* furthest element the view reaches */
  for (int i = 0; i < ndim; i++) {
    if (stride[i] && size[i] - 1 > (INT64_MAX - last) / stride[i])
      return lt_errorf("%s: %s strides overflow", what, ctx);
    last += (size[i] - 1) * stride[i];
  }
  if (last >= storage_numel)
    return lt_errorf("%s: %s needs %llu storage elements, its storage has %lld", what, ctx,
                     (unsigned long long)last + 1, (long long)storage_numel);
  return 0;
}

lt_storage *lt_io_storage_copy(lt_dtype d, int64_t numel, const void *data) {
  lt_storage *s = lt_storage_new(d, numel, (lt_device){LT_CPU, 0});
  if (!s) return NULL;
  if (s->nbytes) memcpy(s->data, data, (size_t)s->nbytes);
  if (d == LT_BOOL) { /* any other byte would be an invalid bool in C */
    uint8_t *b = s->data;
    for (int64_t i = 0; i < numel; i++) b[i] = b[i] != 0;
  }
  return s;
}

/* Shared by the fuzz targets: walk what a loader returned exactly as the
 * Lua binding does, touching every byte each tensor view can reach, so
 * ASan sees any view that escapes its storage. An inconsistent graph
 * aborts (a crash for libFuzzer). */
#ifndef LUTORCH_FUZZ_CHECK_H
#define LUTORCH_FUZZ_CHECK_H

#include <stdlib.h>

#include "lutorch/io.h"

static volatile uint8_t fuzz_sink;

static void touch_tensor(const lt_tensor *t) {
  int64_t numel = lt_tensor_numel(t);
  if (numel == 0) return;
  size_t esz = lt_dtype_size(t->dtype);
  int64_t idx[LT_MAX_DIMS] = {0};
  for (int64_t n = 0; n < numel && n < 100000; n++) {
    int64_t off = t->offset;
    for (int d = 0; d < t->ndim; d++) off += idx[d] * t->stride[d];
    const uint8_t *p = (const uint8_t *)t->storage->data + off * (int64_t)esz;
    for (size_t b = 0; b < esz; b++) fuzz_sink ^= p[b];
    for (int d = t->ndim - 1; d >= 0; d--) {
      if (++idx[d] < t->size[d]) break;
      idx[d] = 0;
    }
  }
}

static void check_value(const lt_io_graph *g, const lt_io_value *v) {
  if (v->tag > LT_IO_REF) abort();
  if (v->tag == LT_IO_REF && (v->ref >= g->nnodes || g->nodes[v->ref].kind == LT_IO_OTHER)) abort();
  if (v->tag == LT_IO_STRING && v->len) fuzz_sink ^= (uint8_t)v->str[v->len - 1];
}

static void check_graph(const lt_io_graph *g) {
  for (size_t i = 0; i < g->nnodes; i++) {
    const lt_io_node *n = &g->nodes[i];
    if (n->kind == LT_IO_TENSOR) {
      if (!n->tensor) abort();
      touch_tensor(n->tensor);
    }
    if (n->kind == LT_IO_STORAGE && !n->storage) abort();
    if (n->kind == LT_IO_OBJECT && n->fields != LT_IO_NONE &&
        (n->fields >= g->nnodes || g->nodes[n->fields].kind != LT_IO_TABLE))
      abort();
  }
  for (size_t i = 0; i < g->nentries; i++) {
    const lt_io_entry *e = &g->entries[i];
    if (e->target >= g->nnodes) abort();
    lt_io_kind k = g->nodes[e->target].kind;
    if (k != LT_IO_TABLE && k != LT_IO_OBJECT) abort();
    if (e->key.tag == LT_IO_NIL || e->val.tag == LT_IO_NIL) abort();
    check_value(g, &e->key);
    check_value(g, &e->val);
  }
  check_value(g, &g->root);
}

#endif

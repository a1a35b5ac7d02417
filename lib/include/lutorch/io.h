/* Files: lutorch's native format, Torch7's .t7 files and safetensors.
 *
 * Loaders work on bytes in memory and never run code: they validate every
 * size, offset and reference against the bytes they were given and build an
 * object graph (lt_io_graph) of plain values, tables, class objects,
 * storages and tensors. The Lua binding turns a graph into Lua values; a C
 * program can walk it directly. Nothing a loader allocates is larger than
 * a constant times the input (a storage of n elements needs n elements'
 * bytes in the file). Writers stream to a sink (a file written atomically
 * through a temporary file, or memory).
 *
 * Error messages start with the `what` string the caller passes (e.g.
 * "load: model.t7"), so the binding can name the function and the file. */
#ifndef LUTORCH_IO_H
#define LUTORCH_IO_H

#include <stdio.h>

#include "tensor.h"

#define LT_IO_NONE UINT32_MAX

/* ---- the object graph a loader produces ---- */

typedef enum lt_io_tag {
  LT_IO_NIL,
  LT_IO_FALSE,
  LT_IO_TRUE,
  LT_IO_NUMBER,
  LT_IO_STRING, /* str/len point into the loaded bytes */
  LT_IO_REF     /* ref: a node id */
} lt_io_tag;

typedef struct lt_io_value {
  const char *str;
  union {
    double num;
    uint64_t len;
    uint32_t ref;
  };
  uint8_t tag; /* lt_io_tag */
} lt_io_value;

typedef enum lt_io_kind {
  LT_IO_STORAGE, /* storage */
  LT_IO_TENSOR,  /* tensor (its storage is that of node storage_node, if any) */
  LT_IO_TABLE,   /* filled by entries */
  LT_IO_OBJECT,  /* class object: name/namelen; filled by entries, and by the
                    entries of table `fields` (Torch7 writes them that way) */
  LT_IO_OTHER    /* a record nothing may refer to */
} lt_io_kind;

typedef struct lt_io_node {
  lt_io_kind kind;
  lt_storage *storage;   /* STORAGE: owned reference */
  lt_tensor *tensor;     /* TENSOR: owned reference */
  uint32_t storage_node; /* TENSOR: node of its storage or LT_IO_NONE */
  uint32_t fields;       /* OBJECT: table node or LT_IO_NONE */
  const char *name;      /* OBJECT: class name, points into the loaded bytes */
  size_t namelen;
} lt_io_node;

typedef struct lt_io_entry {
  uint32_t target; /* a TABLE or OBJECT node */
  lt_io_value key, val;
} lt_io_entry;

typedef struct lt_io_graph {
  lt_io_node *nodes;
  size_t nnodes, capnodes;
  lt_io_entry *entries; /* in file order; apply them in this order */
  size_t nentries, capentries;
  lt_io_value root;
} lt_io_graph;

void lt_io_graph_init(lt_io_graph *g);
void lt_io_graph_free(lt_io_graph *g); /* releases storages and tensors */

/* ---- whole files ---- */

/* The bytes of a file, mapped read-only (or read for empty/special files). */
typedef struct lt_io_bytes {
  const uint8_t *data;
  size_t len;
  void *map;      /* mmap base, or NULL */
  void *heap;     /* malloc'd copy, or NULL */
} lt_io_bytes;

int lt_io_read_file(const char *path, const char *what, lt_io_bytes *out);
void lt_io_bytes_free(lt_io_bytes *b);

/* Which loader a file needs, from its first bytes. */
typedef enum lt_io_format {
  LT_IO_UNKNOWN,
  LT_IO_NATIVE,
  LT_IO_T7_BINARY,
  LT_IO_T7_ASCII
} lt_io_format;
lt_io_format lt_io_detect(const void *buf, size_t len);

/* ---- sinks: where writers put bytes ---- */

typedef struct lt_sink lt_sink;
/* Writes to a temporary file next to path; lt_sink_commit fsyncs it and
 * renames it over path, so a crash leaves either the old or the new file. */
lt_sink *lt_sink_file(const char *path, const char *what);
lt_sink *lt_sink_memory(const char *what);
int lt_sink_write(lt_sink *s, const void *p, size_t n);
uint32_t lt_sink_crc(const lt_sink *s); /* CRC-32 of all bytes written so far */
int lt_sink_commit(lt_sink *s);         /* file: fsync + rename; memory: no-op */
const char *lt_sink_bytes(const lt_sink *s, size_t *len); /* memory sinks */
void lt_sink_free(lt_sink *s); /* an uncommitted file sink removes its temp file */

uint32_t lt_io_crc32(uint32_t crc, const void *p, size_t n); /* zlib's CRC-32 */

/* ---- native format (docs/file-format.md) ---- */

#define LT_NATIVE_MAJOR 1
#define LT_NATIVE_MINOR 1 /* 1.1: tensor records end with flags (requires_grad) */

enum { LT_IO_NO_CRC = 1 }; /* flags: skip the checksum (fuzzing, diagnosis) */

int lt_native_load(const void *buf, size_t len, int flags, const char *what, lt_io_graph *g);

typedef struct lt_native_writer lt_native_writer;
lt_native_writer *lt_native_writer_new(lt_sink *s); /* writes the header */
/* Each returns the record id, or LT_IO_NONE on failure. A tensor's storage
 * is written once, the first time any tensor or storage refers to it. */
uint32_t lt_nw_storage(lt_native_writer *w, const lt_storage *s);
uint32_t lt_nw_tensor(lt_native_writer *w, const lt_tensor *t);
uint32_t lt_nw_table(lt_native_writer *w);
uint32_t lt_nw_object(lt_native_writer *w, const char *classname);
/* Entries of a table/object: begin, key/value pairs, end. Records made
 * between begin and end (new tables, tensors) are written before it. */
int lt_nw_entries_begin(lt_native_writer *w, uint32_t target);
int lt_nw_pair(lt_native_writer *w, const lt_io_value *key, const lt_io_value *val);
int lt_nw_entries_end(lt_native_writer *w);
int lt_nw_finish(lt_native_writer *w, const lt_io_value *root); /* root + end */
void lt_nw_free(lt_native_writer *w);

/* ---- Torch7 .t7 ---- */

int lt_t7_load(const void *buf, size_t len, lt_io_format fmt, const char *what, lt_io_graph *g);

/* Torch7's format, binary or (ascii != 0) Torch7's ascii text, written
 * item by item (the caller walks values). */
typedef struct lt_t7_writer lt_t7_writer;
lt_t7_writer *lt_t7_writer_new(lt_sink *s, int ascii);
int lt_t7w_int(lt_t7_writer *w, int32_t v);
int lt_t7w_double(lt_t7_writer *w, double v);
int lt_t7w_string(lt_t7_writer *w, const char *p, size_t n); /* int length + bytes */
/* Class name of a tensor/storage of this dtype ("torch.FloatTensor"); NULL
 * for dtypes Torch7 lacks (bfloat16). bool is written as a ByteTensor. */
const char *lt_t7_tensor_class(lt_dtype d);
const char *lt_t7_storage_class(lt_dtype d);
int lt_t7w_storage_body(lt_t7_writer *w, const lt_storage *s); /* size + data */
int lt_t7w_tensor_body(lt_t7_writer *w, const lt_tensor *t);   /* geometry, no storage */
void lt_t7w_free(lt_t7_writer *w);

/* ---- safetensors ---- */

typedef struct lt_st_file {
  size_t n;
  char **names;
  lt_tensor **tensors;
  size_t nmeta;
  char **meta_keys, **meta_values;
} lt_st_file;

int lt_st_load(const void *buf, size_t len, const char *what, lt_st_file *out);
void lt_st_free(lt_st_file *f);
/* Writes n named tensors (any layout: copied contiguous) and string metadata. */
int lt_st_save(lt_sink *s, size_t n, const char *const *names, lt_tensor *const *tensors,
               size_t nmeta, const char *const *meta_keys, const char *const *meta_values);

#endif

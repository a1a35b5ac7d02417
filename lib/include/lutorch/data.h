/* Data set readers. */
#ifndef LUTORCH_DATA_H
#define LUTORCH_DATA_H

#include "tensor.h"

/* Read an IDX file (MNIST / Fashion-MNIST format), gzip-compressed or not.
 * Returns a tensor of the file's element type (uint8, int8, int16, int32,
 * float32, float64) and dimensions. Every header field is checked against
 * the file's actual size. */
lt_tensor *lt_read_idx(const char *path);

/* ---- CSV (lib/data/csv.c) ----
 * A file of numbers separated by `sep` (',' by default), one row per line
 * ("\n" or "\r\n"; empty lines skipped). header: 1 the first row holds
 * column names, 0 it does not, -1 guess (a header when any field of the
 * first row is not a number). Fields may be double-quoted. Returns a float64
 * rows x cols tensor; *names (when not NULL) receives cols malloc'd strings
 * (NULL when there is no header), to free with lt_csv_free_names. Errors
 * name the line: "readCSV: 'f.csv' line 7: 3 fields, expected 4". */
typedef struct lt_csv_opts {
  int header;
  char sep;
} lt_csv_opts;
lt_tensor *lt_read_csv(const char *path, const lt_csv_opts *opts, char ***names, int *ncols);
void lt_csv_free_names(char **names, int ncols);

/* ---- images (lib/data/image.c): PNG through libpng, JPEG through libjpeg ----
 * lt_load_image: the format is told by the file's first bytes. Returns a
 * uint8 tensor channels x height x width; channels 0 keeps the file's (1
 * gray, 2 gray+alpha, 3 RGB, 4 RGBA), 1..4 converts (luma 0.299/0.587/0.114,
 * alpha added opaque or dropped). */
lt_tensor *lt_load_image(const char *path, int channels);
/* t: CxHxW or HxW (C = 1..4 for PNG, 1 or 3 for JPEG), uint8 or float in
 * [0, 1] (scaled by 255, rounded, clamped). quality: JPEG only, 1..100. */
int lt_save_png(const char *path, const lt_tensor *t);
int lt_save_jpeg(const char *path, const lt_tensor *t, int quality);

/* ---- batch gathering for data loaders (lib/data/gather.c) ----
 * out = rows idx[0..n) (0-based) of src along dim 0: out has src's dtype
 * and n x src's other sizes. src and out must be contiguous CPU tensors. */
int lt_gather_rows(lt_tensor *out, const lt_tensor *src, const int64_t *idx, int64_t n);
lt_tensor *lt_gather_rows_new(const lt_tensor *src, const int64_t *idx, int64_t n);

/* A background gather: lt_prefetch_start allocates the batch tensors (one
 * per source) and gathers into them on a new thread; lt_prefetch_finish
 * waits for it and hands the tensors over (out[k], new references). The
 * sources are retained meanwhile; indices are checked before the thread
 * starts. The thread touches nothing but the tensors' memory. */
typedef struct lt_prefetch lt_prefetch;
lt_prefetch *lt_prefetch_start(int nsrc, lt_tensor *const *src, const int64_t *idx, int64_t n);
int lt_prefetch_finish(lt_prefetch *p, lt_tensor **out);
/* Drop a prefetch whose batch is not wanted (waits for the thread). */
void lt_prefetch_cancel(lt_prefetch *p);

#endif

/* IDX reader (the MNIST format): magic 0x0000TTNN (TT = element type,
 * NN = number of dims), NN big-endian uint32 sizes, then the elements,
 * big-endian. gzip is read through zlib (gzread also reads plain files). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "lutorch/data.h"

static int read_all(gzFile f, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
    int got = gzread(f, p, (unsigned)chunk);
    if (got <= 0) return -1;
    p += got;
    n -= (size_t)got;
  }
  return 0;
}

static void swap_bytes(char *p, int64_t n, size_t esz) {
  for (int64_t i = 0; i < n; i++, p += esz)
    for (size_t a = 0, b = esz - 1; a < b; a++, b--) {
      char t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
}

lt_tensor *lt_read_idx(const char *path) {
  gzFile f = gzopen(path, "rb");
  if (!f) return lt_error("readIDX: cannot open '%s'", path);
  unsigned char head[4];
  lt_tensor *t = NULL;
  if (read_all(f, head, 4) || head[0] || head[1]) {
    lt_error("readIDX: '%s' is not an IDX file (bad magic)", path);
    goto done;
  }
  lt_dtype dt;
  switch (head[2]) {
  case 0x08: dt = LT_UINT8; break;
  case 0x09: dt = LT_INT8; break;
  case 0x0B: dt = LT_INT16; break;
  case 0x0C: dt = LT_INT32; break;
  case 0x0D: dt = LT_FLOAT32; break;
  case 0x0E: dt = LT_FLOAT64; break;
  default: lt_error("readIDX: '%s': unknown element type 0x%02x", path, head[2]); goto done;
  }
  int ndim = head[3];
  if (ndim > LT_MAX_DIMS) {
    lt_error("readIDX: '%s': %d dimensions, at most %d supported", path, ndim, LT_MAX_DIMS);
    goto done;
  }
  int64_t size[LT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    unsigned char b[4];
    if (read_all(f, b, 4)) {
      lt_error("readIDX: '%s': truncated header", path);
      goto done;
    }
    size[i] = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  }
  /* sizes come from the file: lt_tensor_empty checks overflow, and the
   * read below fails cleanly if the data is shorter than the header says */
  t = lt_tensor_empty(dt, ndim, size);
  if (!t) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", lt_last_error());
    lt_error("readIDX: '%s': bad header sizes (%s)", path, msg);
    goto done;
  }
  size_t esz = lt_dtype_size(dt);
  int64_t n = lt_tensor_numel(t);
  if (read_all(f, lt_tensor_data(t), (size_t)n * esz)) {
    lt_tensor_release(t);
    t = lt_error("readIDX: '%s': truncated data (header promises %lld elements)", path,
                 (long long)n);
    goto done;
  }
  if (esz > 1) swap_bytes(lt_tensor_data(t), n, esz);
done:
  gzclose(f);
  return t;
}

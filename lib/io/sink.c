/* Sinks (atomic file writes, memory buffers), whole-file reads, format
 * detection and the checksum. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lutorch/io.h"

#define BUFSZ ((size_t)1 << 20)

struct lt_sink {
  const char *what;
  int fd;           /* -1 for memory sinks */
  char *path, *tmp; /* file sinks: final and temporary names */
  char *buf;        /* file: write buffer; memory: the bytes */
  size_t len, cap;
  uint32_t crc;
  int failed;
};

uint32_t lt_io_crc32(uint32_t crc, const void *p, size_t n) {
  const Bytef *b = p;
  while (n > 0) { /* zlib takes a uInt length */
    uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
    crc = (uint32_t)crc32(crc, b, k);
    b += k;
    n -= k;
  }
  return crc;
}

lt_sink *lt_sink_memory(const char *what) {
  lt_sink *s = calloc(1, sizeof *s);
  if (!s) return lt_error("out of memory");
  s->what = what;
  s->fd = -1;
  return s;
}

lt_sink *lt_sink_file(const char *path, const char *what) {
  static unsigned counter;
  lt_sink *s = calloc(1, sizeof *s);
  size_t n = strlen(path) + 64;
  if (!s || !(s->path = strdup(path)) || !(s->tmp = malloc(n)) || !(s->buf = malloc(BUFSZ))) {
    lt_sink_free(s);
    return lt_error("out of memory");
  }
  s->what = what;
  s->cap = BUFSZ;
  /* a temp name in the same folder, so that rename is atomic */
  for (int tries = 0;; tries++) {
    snprintf(s->tmp, n, "%s.tmp-%ld-%u", path, (long)getpid(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (s->fd >= 0) break;
    if (errno != EEXIST || tries > 100) {
      lt_error("%s: cannot create %s: %s", what, s->tmp, strerror(errno));
      free(s->tmp);
      s->tmp = NULL;
      lt_sink_free(s);
      return NULL;
    }
  }
  return s;
}

static int write_all(lt_sink *s, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(s->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      s->failed = 1;
      return lt_errorf("%s: write to %s failed: %s", s->what, s->tmp, strerror(errno));
    }
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int flush(lt_sink *s) {
  if (s->fd < 0 || !s->len) return 0;
  int rc = write_all(s, s->buf, s->len);
  s->len = 0;
  return rc;
}

int lt_sink_write(lt_sink *s, const void *p, size_t n) {
  if (s->failed) return lt_errorf("%s: an earlier write failed", s->what);
  s->crc = lt_io_crc32(s->crc, p, n);
  if (s->fd >= 0) {
    if (s->len + n > s->cap) {
      if (flush(s)) return -1;
      if (n >= s->cap) return write_all(s, p, n);
    }
  } else if (s->len + n > s->cap) {
    size_t c = s->cap ? s->cap : 4096;
    while (c < s->len + n) {
      if (c > SIZE_MAX / 2) return lt_errorf("%s: out of memory", s->what);
      c *= 2;
    }
    char *b = realloc(s->buf, c);
    if (!b) {
      s->failed = 1;
      return lt_errorf("%s: out of memory (%zu bytes)", s->what, c);
    }
    s->buf = b;
    s->cap = c;
  }
  if (n) memcpy(s->buf + s->len, p, n);
  s->len += n;
  return 0;
}

uint32_t lt_sink_crc(const lt_sink *s) { return s->crc; }

const char *lt_sink_bytes(const lt_sink *s, size_t *len) {
  *len = s->fd < 0 ? s->len : 0;
  return s->fd < 0 ? s->buf : NULL;
}

/* fsync the folder holding path, so the rename itself is durable */
static void sync_dir(const char *path) {
  char *dir = strdup(path);
  if (!dir) return;
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = 0;
  else if (slash) *slash = 0;
  else strcpy(dir, ".");
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

int lt_sink_commit(lt_sink *s) {
  if (s->fd < 0) return s->failed ? lt_errorf("%s: an earlier write failed", s->what) : 0;
  if (flush(s)) return -1;
  if (fsync(s->fd) != 0)
    return lt_errorf("%s: fsync of %s failed: %s", s->what, s->tmp, strerror(errno));
  if (close(s->fd) != 0) {
    s->fd = -2;
    return lt_errorf("%s: closing %s failed: %s", s->what, s->tmp, strerror(errno));
  }
  s->fd = -2; /* closed */
  if (rename(s->tmp, s->path) != 0)
    return lt_errorf("%s: cannot rename %s to %s: %s", s->what, s->tmp, s->path, strerror(errno));
  free(s->tmp);
  s->tmp = NULL; /* committed: nothing to remove */
  sync_dir(s->path);
  return 0;
}

void lt_sink_free(lt_sink *s) {
  if (!s) return;
  if (s->fd >= 0) close(s->fd);
  if (s->tmp) unlink(s->tmp);
  free(s->tmp);
  free(s->path);
  free(s->buf);
  free(s);
}

/* ---- reading whole files ---- */

int lt_io_read_file(const char *path, const char *what, lt_io_bytes *out) {
  memset(out, 0, sizeof *out);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lt_errorf("%s: cannot open %s: %s", what, path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    close(fd);
    return lt_errorf("%s: cannot read %s: %s", what, path,
                     S_ISDIR(st.st_mode) ? "it is a folder" : strerror(errno));
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      close(fd);
      out->map = m;
      out->data = m;
      out->len = (size_t)st.st_size;
      return 0;
    }
  }
  /* pipes, empty files, or no mmap: read it */
  size_t cap = 0, len = 0;
  char *buf = NULL;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      char *b = realloc(buf, cap);
      if (!b) {
        free(buf);
        close(fd);
        return lt_errorf("%s: out of memory reading %s", what, path);
      }
      buf = b;
    }
    ssize_t k = read(fd, buf + len, cap - len);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      free(buf);
      close(fd);
      return lt_errorf("%s: cannot read %s: %s", what, path, strerror(errno));
    }
    if (k == 0) break;
    len += (size_t)k;
  }
  close(fd);
  out->heap = buf;
  out->data = (const uint8_t *)buf;
  out->len = len;
  return 0;
}

void lt_io_bytes_free(lt_io_bytes *b) {
  if (b->map) munmap(b->map, b->len);
  free(b->heap);
  memset(b, 0, sizeof *b);
}

lt_io_format lt_io_detect(const void *buf, size_t len) {
  const uint8_t *p = buf;
  if (len == 0) return LT_IO_UNKNOWN;
  if (p[0] == 0x89) return LT_IO_NATIVE;
  /* Torch7 binary starts with a 4-byte little-endian type tag (0..8) */
  if (p[0] <= 8 && len >= 4 && p[1] == 0 && p[2] == 0 && p[3] == 0) return LT_IO_T7_BINARY;
  /* Torch7 ascii starts with the tag as text, e.g. "3\n" */
  size_t i = 0;
  while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) i++;
  if (i < len && p[i] >= '0' && p[i] <= '8') return LT_IO_T7_ASCII;
  return LT_IO_UNKNOWN;
}

/* CSV reader: numbers only, one row per line, into a float64 matrix.
 * The file is read whole, then parsed line by line; values go into a
 * growing array, and every row must have the first row's field count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/data.h"

static char *dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return lt_error("readCSV: cannot open '%s'", path);
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    char *nb = realloc(buf, (cap *= 2) + 1);
    if (!nb) free(buf);
    buf = nb;
  }
  int err = ferror(f);
  fclose(f);
  if (!buf) return lt_error("readCSV: '%s': out of memory", path);
  if (err) {
    free(buf);
    return lt_error("readCSV: '%s': read error", path);
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

/* Splits one line (NUL-terminated, no newline) into fields in place:
 * removes quotes (a doubled quote inside is one quote) and returns the
 * field count, or -1 on an unterminated quote. */
static int split(char *line, char sep, char **field, int max) {
  int n = 0;
  char *p = line;
  for (;;) {
    char *out = p, *start = p;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == 0) return -1;
        if (*p == '"') {
          if (p[1] == '"') {
            *out++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *out++ = *p++;
      }
      while (*p && *p != sep) p++; /* text after the closing quote is dropped */
    } else {
      while (*p && *p != sep) p++;
      out = p;
    }
    char end = *p;
    *out = 0;
    if (n < max) field[n] = start;
    n++;
    if (end == 0) break;
    p++;
  }
  return n;
}

/* a number with optional surrounding spaces; false for anything else */
static bool number(const char *s, double *v) {
  while (*s == ' ' || *s == '\t') s++;
  if (*s == 0) return false;
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s) return false;
  while (*end == ' ' || *end == '\t') end++;
  return *end == 0;
}

/* next line: sets *line to its start (NUL-terminated, \r\n handled) and
 * returns the position after it, or NULL at the end */
static char *next_line(char *p, char **line) {
  if (*p == 0) return NULL;
  *line = p;
  char *nl = strchr(p, '\n');
  char *after = nl ? nl + 1 : p + strlen(p);
  if (nl) *nl = 0;
  size_t len = strlen(p);
  if (len > 0 && p[len - 1] == '\r') p[len - 1] = 0;
  return after;
}

static bool blank(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return *s == 0;
}

lt_tensor *lt_read_csv(const char *path, const lt_csv_opts *opts, char ***names, int *ncols) {
  lt_csv_opts o = opts ? *opts : (lt_csv_opts){-1, ','};
  if (o.sep == 0) o.sep = ',';
  if (o.sep == '"' || o.sep == '\n' || o.sep == '\r')
    return lt_error("readCSV: separator cannot be a quote or a newline");
  if (names) *names = NULL;
  size_t len = 0;
  char *buf = slurp(path, &len);
  if (!buf) return NULL;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) memmove(buf, buf + 3, len - 2); /* BOM */

  enum { MAXF = 1 << 16 };
  char **field = malloc(sizeof(char *) * MAXF);
  double *vals = NULL;
  char **hdr = NULL;
  int cols = -1;
  int64_t nvals = 0, cap = 0, rows = 0;
  long lineno = 0;
  char *p = buf, *line;
  lt_tensor *t = NULL;
  if (!field) {
    lt_error("readCSV: out of memory");
    goto done;
  }
  while ((p = next_line(p, &line))) {
    lineno++;
    if (blank(line)) continue;
    int n = split(line, o.sep, field, MAXF);
    if (n < 0) {
      lt_error("readCSV: '%s' line %ld: unterminated quote", path, lineno);
      goto done;
    }
    if (n > MAXF) {
      lt_error("readCSV: '%s' line %ld: more than %d fields", path, lineno, MAXF);
      goto done;
    }
    if (cols < 0) { /* first row: header or data */
      cols = n;
      int hd = o.header;
      if (hd < 0) {
        hd = 0;
        double v;
        for (int k = 0; k < n; k++)
          if (!number(field[k], &v)) hd = 1;
      }
      if (hd) {
        hdr = calloc((size_t)n, sizeof(char *));
        for (int k = 0; hdr && k < n; k++) hdr[k] = dup(field[k]);
        continue;
      }
    }
    if (n != cols) {
      lt_error("readCSV: '%s' line %ld: %d fields, expected %d (as on the first row)", path, lineno,
               n, cols);
      goto done;
    }
    if (nvals + n > cap) {
      cap = cap ? cap * 2 : 4096;
      while (cap < nvals + n) cap *= 2;
      double *nv = realloc(vals, sizeof(double) * (size_t)cap);
      if (!nv) {
        lt_error("readCSV: '%s': out of memory", path);
        goto done;
      }
      vals = nv;
    }
    for (int k = 0; k < n; k++)
      if (!number(field[k], &vals[nvals + k])) {
        lt_error("readCSV: '%s' line %ld, field %d: '%.40s' is not a number", path, lineno, k + 1,
                 field[k]);
        goto done;
      }
    nvals += n;
    rows++;
  }
  if (cols < 0) cols = 0;
  t = lt_tensor_empty(LT_FLOAT64, 2, (int64_t[]){rows, cols});
  if (t && nvals) memcpy(lt_tensor_data(t), vals, sizeof(double) * (size_t)nvals);
  if (ncols) *ncols = cols;
  if (names) {
    *names = hdr;
    hdr = NULL;
  }
done:
  if (hdr) lt_csv_free_names(hdr, cols);
  free(vals);
  free(field);
  free(buf);
  return t;
}

void lt_csv_free_names(char **names, int ncols) {
  if (!names) return;
  for (int k = 0; k < ncols; k++) free(names[k]);
  free(names);
}

/* im2col / col2im for 1-, 2- and 3-D convolutions (a 1-D or 2-D one is a
 * 3-D one with leading sizes 1).
 *
 * Layout: the image is (C, I0, I1, I2) contiguous; the column buffer is
 * (C·k0·k1·k2) rows × (O0·O1·O2) columns, row (c, a, b, e) holding, for
 * every output position o, the image value under kernel tap (a, b, e):
 * image[c, o0·s0 - p0 + a·d0, o1·s1 - p1 + b·d1, o2·s2 - p2 + e·d2],
 * or 0 in the padding. A convolution is then one gemm of the weight
 * (Cout × C·k) by that buffer. col2im adds the columns back (the adjoint). */
#ifndef LUTORCH_OPS_NN_IM2COL_H
#define LUTORCH_OPS_NN_IM2COL_H

#include <stdint.h>
#include <string.h>

#include "lutorch/dtype.h"

typedef struct nn_geom {
  int64_t C;     /* image channels */
  int64_t im[3]; /* image sizes */
  int64_t co[3]; /* column-side (convolution output) sizes */
  int64_t k[3], s[3], p[3], d[3];
} nn_geom;

/* The range [lo, hi) of outputs o whose tap o·s - p + off lies in [0, n). */
static inline void nn_valid_range(int64_t n, int64_t s, int64_t p, int64_t off, int64_t no,
                                  int64_t *lo, int64_t *hi) {
  int64_t a = p - off; /* need o·s >= a */
  int64_t l = a <= 0 ? 0 : (a + s - 1) / s;
  int64_t b = n - 1 + p - off; /* need o·s <= b */
  int64_t h = b < 0 ? 0 : b / s + 1;
  if (h > no) h = no;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

#define NN_IM2COL(S, T)                                                                        \
  static void nn_im2col_##S(const T *img, T *col, const nn_geom *g) {                          \
    const int64_t O0 = g->co[0], O1 = g->co[1], O2 = g->co[2], ovol = O0 * O1 * O2;            \
    const int64_t I0 = g->im[0], I1 = g->im[1], I2 = g->im[2];                                 \
    int64_t row = 0;                                                                           \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t a = 0; a < g->k[0]; a++)                                                    \
        for (int64_t b = 0; b < g->k[1]; b++)                                                  \
          for (int64_t e = 0; e < g->k[2]; e++, row++) {                                       \
            T *dst = col + row * ovol;                                                         \
            int64_t lo, hi;                                                                    \
            nn_valid_range(I2, g->s[2], g->p[2], e * g->d[2], O2, &lo, &hi);                   \
            for (int64_t o0 = 0; o0 < O0; o0++) {                                              \
              int64_t i0 = o0 * g->s[0] - g->p[0] + a * g->d[0];                               \
              for (int64_t o1 = 0; o1 < O1; o1++, dst += O2) {                                 \
                int64_t i1 = o1 * g->s[1] - g->p[1] + b * g->d[1];                             \
                if (i0 < 0 || i0 >= I0 || i1 < 0 || i1 >= I1) {                                \
                  memset(dst, 0, sizeof(T) * (size_t)O2);                                      \
                  continue;                                                                    \
                }                                                                              \
                int64_t base = ((c * I0 + i0) * I1 + i1) * I2 - g->p[2] + e * g->d[2];         \
                for (int64_t o = 0; o < lo; o++) dst[o] = 0;                                   \
                if (g->s[2] == 1)                                                              \
                  memcpy(dst + lo, img + base + lo, sizeof(T) * (size_t)(hi - lo));            \
                else                                                                           \
                  for (int64_t o = lo; o < hi; o++) dst[o] = img[base + o * g->s[2]];          \
                for (int64_t o = hi; o < O2; o++) dst[o] = 0;                                  \
              }                                                                                \
            }                                                                                  \
          }                                                                                    \
  }                                                                                            \
  /* img += col2im(col); img must be zeroed (or hold what to add to) */                        \
  static void nn_col2im_##S(const T *col, T *img, const nn_geom *g) {                          \
    const int64_t O0 = g->co[0], O1 = g->co[1], O2 = g->co[2], ovol = O0 * O1 * O2;            \
    const int64_t I0 = g->im[0], I1 = g->im[1], I2 = g->im[2];                                 \
    int64_t row = 0;                                                                           \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t a = 0; a < g->k[0]; a++)                                                    \
        for (int64_t b = 0; b < g->k[1]; b++)                                                  \
          for (int64_t e = 0; e < g->k[2]; e++, row++) {                                       \
            const T *src = col + row * ovol;                                                   \
            int64_t lo, hi;                                                                    \
            nn_valid_range(I2, g->s[2], g->p[2], e * g->d[2], O2, &lo, &hi);                   \
            for (int64_t o0 = 0; o0 < O0; o0++) {                                              \
              int64_t i0 = o0 * g->s[0] - g->p[0] + a * g->d[0];                               \
              for (int64_t o1 = 0; o1 < O1; o1++, src += O2) {                                 \
                int64_t i1 = o1 * g->s[1] - g->p[1] + b * g->d[1];                             \
                if (i0 < 0 || i0 >= I0 || i1 < 0 || i1 >= I1) continue;                        \
                int64_t base = ((c * I0 + i0) * I1 + i1) * I2 - g->p[2] + e * g->d[2];         \
                if (g->s[2] == 1)                                                              \
                  for (int64_t o = lo; o < hi; o++) img[base + o] += src[o];                   \
                else                                                                           \
                  for (int64_t o = lo; o < hi; o++) img[base + o * g->s[2]] += src[o];         \
              }                                                                                \
            }                                                                                  \
          }                                                                                    \
  }

NN_IM2COL(f32, float)
NN_IM2COL(f64, double)

static inline void nn_im2col(lt_dtype dt, const void *img, void *col, const nn_geom *g) {
  if (dt == LT_FLOAT32)
    nn_im2col_f32(img, col, g);
  else
    nn_im2col_f64(img, col, g);
}
static inline void nn_col2im(lt_dtype dt, const void *col, void *img, const nn_geom *g) {
  if (dt == LT_FLOAT32)
    nn_col2im_f32(col, img, g);
  else
    nn_col2im_f64(col, img, g);
}

#endif

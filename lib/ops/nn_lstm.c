/* The LSTM cell for one time step, forward and backward. lstm_pointwise
 * is the gate pass alone (pre-activations in, activated gates and the new
 * states out) for callers that run the products themselves; lstm_cell
 * runs the whole step, split over the threads by hidden units (see the
 * block comment at "LSTM cell" below), with the same pointwise rows, which
 * get AVX-512/AVX2 clones. The forward returns the activated gates so that
 * backward recomputes nothing; backward_acc adds the weight and bias
 * gradients into the autograd engine's accumulators. The GRU cell is in
 * nn_gru.c, what the two share in nn_rnn.h.
 *
 * Layouts (row-major, contiguous): x (B, I), h and c (B, H), pre-activations
 * and gates (B, 4H) in blocks i|f|g|o. */
/* The gate loops select with ?: on floats; GCC if-converts (and so
 * vectorizes) those only when it may assume comparisons do not trap. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "nn_rnn.h"

/* The row kernels also get AVX-512 and AVX2 clones, picked at load time (ifunc):
 * four and two times the lanes of the SSE2 baseline the library is built for. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RNN_CLONES
#endif

/* ---- LSTM pointwise ---- */

typedef struct lstm_pw {
  int64_t H;
  const void *pre, *c, *gh, *gc, *gates, *cout;
  void *h1, *c1, *gates_out, *gpre, *gcprev;
} lstm_pw;

/* n units of one row (a batch element) per call, the four gate blocks H
 * apart; every pointer restrict: the j loops vectorize */
#define LSTM_PW(S, T)                                                                  \
  RNN_CLONES static void lstm_fwd_row_##S(int64_t n, int64_t H, const T *restrict pre,  \
                               const T *restrict c, T *restrict gt, T *restrict h1,     \
                               T *restrict c1) {                                        \
    for (int64_t j = 0; j < n; j++) {                                                  \
      T i = sigm_##S(pre[j]), f = sigm_##S(pre[H + j]);                                \
      T g = tanh_##S(pre[2 * H + j]), o = sigm_##S(pre[3 * H + j]);                    \
      T cn = f * c[j] + i * g;                                                         \
      gt[j] = i;                                                                       \
      gt[H + j] = f;                                                                   \
      gt[2 * H + j] = g;                                                               \
      gt[3 * H + j] = o;                                                               \
      c1[j] = cn;                                                                      \
      h1[j] = o * tanh_##S(cn);                                                        \
    }                                                                                  \
  }                                                                                    \
  static void lstm_fwd_##S(int64_t b0, int64_t b1, void *vctx) {                       \
    const lstm_pw *p = vctx;                                                           \
    const int64_t H = p->H;                                                            \
    for (int64_t b = b0; b < b1; b++)                                                  \
      lstm_fwd_row_##S(H, H, (const T *)p->pre + b * 4 * H, (const T *)p->c + b * H,   \
                       (T *)p->gates_out + b * 4 * H, (T *)p->h1 + b * H,              \
                       (T *)p->c1 + b * H);                                            \
  }                                                                                    \
  RNN_CLONES static void lstm_bwd_row_##S(int64_t n, int64_t H, const T *restrict gt,  \
                               const T *restrict c, const T *restrict cn,               \
                               const T *restrict gh, const T *restrict gc,              \
                               T *restrict gp, T *restrict gcp) {                       \
    for (int64_t j = 0; j < n; j++) {                                                  \
      T i = gt[j], f = gt[H + j], g = gt[2 * H + j], o = gt[3 * H + j];                \
      T tc = tanh_##S(cn[j]), dh = gh[j];                                              \
      T dc = gc[j] + dh * o * (1 - tc * tc);                                           \
      gp[j] = dc * g * i * (1 - i);                                                    \
      gp[H + j] = dc * c[j] * f * (1 - f);                                             \
      gp[2 * H + j] = dc * i * (1 - g * g);                                            \
      gp[3 * H + j] = dh * tc * o * (1 - o);                                           \
      gcp[j] = dc * f;                                                                 \
    }                                                                                  \
  }                                                                                    \
  static void lstm_bwd_##S(int64_t b0, int64_t b1, void *vctx) {                       \
    const lstm_pw *p = vctx;                                                           \
    const int64_t H = p->H;                                                            \
    for (int64_t b = b0; b < b1; b++)                                                  \
      lstm_bwd_row_##S(H, H, (const T *)p->gates + b * 4 * H, (const T *)p->c + b * H, \
                       (const T *)p->cout + b * H, (const T *)p->gh + b * H,           \
                       (const T *)p->gc + b * H, (T *)p->gpre + b * 4 * H,             \
                       (T *)p->gcprev + b * H);                                        \
  }
LSTM_PW(f32, float)
LSTM_PW(f64, double)

static int pw_check(const char *fn, lt_tensor *pre, lt_tensor *c, int64_t *B, int64_t *H) {
  if (nn_check_float(fn, "c", c)) return -1;
  if (c->ndim != 2) {
    char a[96];
    return lt_errorf("%s: c must be 2-D (batch, hidden), got size %s", fn,
                     lt_shape_str(c->ndim, c->size, a, 96));
  }
  *B = c->size[0];
  *H = c->size[1];
  return check2(fn, "gates", pre, c->dtype, *B, 4 * *H);
}

static int lstm_pointwise_run(lt_tensor *pre, lt_tensor *c, int64_t B, int64_t H, lt_tensor **h1,
                              lt_tensor **c1, lt_tensor **gates) {
  lt_dtype dt = c->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  lt_tensor *pc = nn_contig(pre), *cc = nn_contig(c);
  *h1 = *c1 = *gates = NULL;
  if (!pc || !cc || !(*h1 = lt_tensor_empty(dt, 2, s1)) || !(*c1 = lt_tensor_empty(dt, 2, s1)) ||
      !(*gates = lt_tensor_empty(dt, 2, s4))) {
    lt_tensor *r[5] = {pc, cc, *h1, *c1, *gates};
    nn_release(5, r);
    *h1 = *c1 = *gates = NULL;
    return -1;
  }
  lstm_pw p = {.H = H, .pre = lt_tensor_data(pc), .c = lt_tensor_data(cc),
               .h1 = lt_tensor_data(*h1), .c1 = lt_tensor_data(*c1),
               .gates_out = lt_tensor_data(*gates)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? lstm_fwd_f32 : lstm_fwd_f64, &p);
  lt_tensor_release(pc);
  lt_tensor_release(cc);
  return 0;
}

int lt_lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                      lt_tensor **gates) {
  int64_t B = 0, H = 0;
  *h_out = *c_out = *gates = NULL;
  if (pw_check("lstm_pointwise", pre, c, &B, &H)) return -1;
  const lt_tensor *dv[2] = {pre, c};
  static const char *const dn[2] = {"gates", "c"};
  if (nn_check_devices("lstm_pointwise", 2, dv, dn)) return -1;
  NN_ON_DEVICE(-1, "lstm_pointwise", pre, lstm_pointwise, pre, c, h_out, c_out, gates);
  return lstm_pointwise_run(pre, c, B, H, h_out, c_out, gates);
}

int lt_lstm_pointwise_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                               lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                               lt_tensor **grad_c_prev) {
  const char *fn = "lstm_pointwise_backward";
  int64_t B = 0, H = 0;
  *grad_pre = NULL;
  if (grad_c_prev) *grad_c_prev = NULL; /* NULL: that gradient is not wanted */
  if (pw_check(fn, gates, c, &B, &H) || check2(fn, "c_out", c_out, c->dtype, B, H) ||
      (grad_h && check2(fn, "gradH", grad_h, c->dtype, B, H)) ||
      (grad_c && check2(fn, "gradC", grad_c, c->dtype, B, H)))
    return -1;
  const lt_tensor *dv[5] = {c, gates, c_out, grad_h, grad_c};
  static const char *const dn[5] = {"c", "gates", "c_out", "gradH", "gradC"};
  if (nn_check_devices(fn, 5, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, c, lstm_pointwise_backward, grad_h, grad_c, c, gates, c_out, grad_pre,
               grad_c_prev);
  lt_dtype dt = c->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  /* a missing gradient is a zero tensor and an unwanted one a scratch
   * tensor, so that the kernel's loops have no branches (they vectorize) */
  lt_tensor *in[5] = {grad_h ? nn_contig(grad_h) : lt_tensor_zeros(dt, 2, s1),
                      grad_c ? nn_contig(grad_c) : lt_tensor_zeros(dt, 2, s1), nn_contig(c),
                      nn_contig(gates), nn_contig(c_out)};
  lt_tensor *gcp = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || !in[4]) goto done;
  if (!(*grad_pre = lt_tensor_empty(dt, 2, s4)) || !(gcp = lt_tensor_empty(dt, 2, s1))) goto done;
  lstm_pw p = {.H = H, .gh = lt_tensor_data(in[0]), .gc = lt_tensor_data(in[1]),
               .c = lt_tensor_data(in[2]), .gates = lt_tensor_data(in[3]),
               .cout = lt_tensor_data(in[4]), .gpre = lt_tensor_data(*grad_pre),
               .gcprev = lt_tensor_data(gcp)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? lstm_bwd_f32 : lstm_bwd_f64, &p);
  if (grad_c_prev) {
    *grad_c_prev = gcp;
    gcp = NULL;
  }
  rc = 0;
done:
  nn_release(5, in);
  lt_tensor_release(gcp);
  if (rc) {
    lt_tensor_release(*grad_pre);
    *grad_pre = NULL;
  }
  return rc;
}

/* ---- LSTM cell ----
 * One step is split over the threads by hidden units, in one parallel
 * region for the forward and one for the backward: chunk k owns units
 * [j0, j1) and with them the columns g·H + [j0, j1) of each gate block g,
 * so it runs its share of the products and of the pointwise pass, and
 * (backward) the weight-gradient rows of those columns and its part of
 * the sums over them that give grad h and grad x (added up after the
 * region, in chunk order). The products are small (M = batch) and BLAS's
 * own threads split them poorly (W6: two threads no faster than one);
 * inside our region BLAS runs single-threaded (the OpenMP OpenBLAS), as in
 * nn_conv.c. Weight and bias gradients can be added into the engine's
 * accumulators (lt_grad_accumulator) instead of new tensors: a gemm with
 * beta = 1, no allocation and no separate add per step. */

#define UNITS 16 /* units per block: the split's granularity */
#define COLSUM_TILE 64

/* d1[j] += s[j] and d2[j] += s[j] (either may be NULL) for the column
 * sums s of n columns of a (B, ld) matrix, rows added in order from zero */
#define COLSUM_ADD(S, T)                                                                   \
  static void colsum_add_##S(int64_t B, int64_t n, int64_t ld, const T *src, T *d1, T *d2) { \
    T s[COLSUM_TILE];                                                                      \
    for (int64_t j0 = 0; j0 < n; j0 += COLSUM_TILE) {                                      \
      int64_t w = n - j0 < COLSUM_TILE ? n - j0 : COLSUM_TILE;                             \
      for (int64_t j = 0; j < w; j++) s[j] = 0;                                            \
      for (int64_t r = 0; r < B; r++)                                                      \
        for (int64_t j = 0; j < w; j++) s[j] += src[r * ld + j0 + j];                      \
      for (int64_t j = 0; j < w; j++) {                                                    \
        if (d1) d1[j0 + j] += s[j];                                                        \
        if (d2) d2[j0 + j] += s[j];                                                        \
      }                                                                                    \
    }                                                                                      \
  }
COLSUM_ADD(f32, float)
COLSUM_ADD(f64, double)

typedef struct lstm_cell_ctx {
  lt_dtype dt;
  size_t es;
  int64_t B, NI, H, nchunks;
  const char *x, *h, *c, *wih, *whh, *bih, *bhh; /* forward */
  char *pre, *gates, *h1, *c1;
  const char *gh, *gc, *cout; /* backward (gates, c, x, h, weights as above) */
  char *gpre, *gcp, *gx, *ghp, *gwih, *gwhh, *gb1, *gb2;
  char *part; /* chunks 1.. : their parts of grad h (B, H) then grad x (B, NI) */
  double beta_ih, beta_hh; /* 1: add into gwih / gwhh, 0: overwrite */
} lstm_cell_ctx;

/* chunks for a step of `flops`: at most one per thread (one when already
 * inside a parallel region), each worth a fork (5e5 flops, some µs) */
static int64_t cell_chunks(int64_t H, double flops) {
  int64_t nblk = (H + UNITS - 1) / UNITS, n = lt_in_parallel() ? 1 : lt_get_num_threads();
  if (n > nblk) n = nblk;
  if (n > flops / 5e5) n = (int64_t)(flops / 5e5);
  return n < 1 ? 1 : n;
}

/* chunk k's units [j0, j1): whole blocks, the last one maybe partial */
static void chunk_units(const lstm_cell_ctx *p, int64_t k, int64_t *j0, int64_t *j1) {
  int64_t nblk = (p->H + UNITS - 1) / UNITS;
  *j0 = nblk * k / p->nchunks * UNITS;
  *j1 = nblk * (k + 1) / p->nchunks * UNITS;
  if (*j1 > p->H) *j1 = p->H;
}

/* the gate column blocks of units [j0, j1): one block of 4H columns for all
 * the units, else four of j1 - j0 columns, H apart */
static int gate_blocks(const lstm_cell_ctx *p, int64_t j0, int64_t j1, int64_t *width) {
  bool all = j0 == 0 && j1 == p->H;
  *width = all ? 4 * p->H : j1 - j0;
  return all ? 1 : 4;
}

static void lstm_cell_fwd_units(const lstm_cell_ctx *p, int64_t j0, int64_t j1) {
  const int64_t B = p->B, NI = p->NI, H = p->H, G = 4 * H;
  const size_t es = p->es;
  int64_t w;
  int nb = gate_blocks(p, j0, j1, &w);
  for (int g = 0; g < nb; g++) {
    int64_t col = nb == 1 ? 0 : g * H + j0;
    char *o = p->pre + col * es;
    bool bias = p->bih || p->bhh;
    if (bias) { /* the summed biases in row 0, copied down; the gemms add on */
      for (int64_t j = 0; j < w; j++)
        nn_st(p->dt, o, j, (p->bih ? nn_ld(p->dt, p->bih, col + j) : 0) +
                               (p->bhh ? nn_ld(p->dt, p->bhh, col + j) : 0));
      for (int64_t r = 1; r < B; r++) memcpy(o + (size_t)(r * G) * es, o, (size_t)w * es);
    }
    nn_gemm(p->dt, false, true, B, w, NI, 1, p->x, NI, p->wih + (size_t)(col * NI) * es, NI,
            bias ? 1 : 0, o, G);
    nn_gemm(p->dt, false, true, B, w, H, 1, p->h, H, p->whh + (size_t)(col * H) * es, H, 1, o, G);
  }
  for (int64_t r = 0; r < B; r++) {
    size_t o4 = (size_t)(r * G + j0) * es, o1 = (size_t)(r * H + j0) * es;
    if (p->dt == LT_FLOAT32)
      lstm_fwd_row_f32(j1 - j0, H, (const float *)(p->pre + o4), (const float *)(p->c + o1),
                       (float *)(p->gates + o4), (float *)(p->h1 + o1), (float *)(p->c1 + o1));
    else
      lstm_fwd_row_f64(j1 - j0, H, (const double *)(p->pre + o4), (const double *)(p->c + o1),
                       (double *)(p->gates + o4), (double *)(p->h1 + o1), (double *)(p->c1 + o1));
  }
}

static void lstm_cell_fwd_chunks(int64_t k0, int64_t k1, void *v) {
  const lstm_cell_ctx *p = v;
  for (int64_t k = k0; k < k1; k++) {
    int64_t j0, j1;
    chunk_units(p, k, &j0, &j1);
    lstm_cell_fwd_units(p, j0, j1);
  }
}

/* backward of chunk k: pointwise; then from its own gate columns the
 * weight and bias rows and its part of grad h = gpre·W_hh and grad x =
 * gpre·W_ih (chunk 0 straight into the result, the others into `part`) */
static void lstm_cell_bwd_units(const lstm_cell_ctx *p, int64_t k) {
  const int64_t B = p->B, NI = p->NI, H = p->H, G = 4 * H;
  const size_t es = p->es;
  int64_t j0, j1, w;
  chunk_units(p, k, &j0, &j1);
  for (int64_t r = 0; r < B; r++) {
    size_t o4 = (size_t)(r * G + j0) * es, o1 = (size_t)(r * H + j0) * es;
    if (p->dt == LT_FLOAT32)
      lstm_bwd_row_f32(j1 - j0, H, (const float *)(p->gates + o4), (const float *)(p->c + o1),
                       (const float *)(p->cout + o1), (const float *)(p->gh + o1),
                       (const float *)(p->gc + o1), (float *)(p->gpre + o4),
                       (float *)(p->gcp + o1));
    else
      lstm_bwd_row_f64(j1 - j0, H, (const double *)(p->gates + o4), (const double *)(p->c + o1),
                       (const double *)(p->cout + o1), (const double *)(p->gh + o1),
                       (const double *)(p->gc + o1), (double *)(p->gpre + o4),
                       (double *)(p->gcp + o1));
  }
  char *part = k ? p->part + (size_t)((k - 1) * B * (H + NI)) * es : NULL;
  char *dh = !p->ghp ? NULL : k ? part : p->ghp;
  char *dx = !p->gx ? NULL : k ? part + (size_t)(B * H) * es : p->gx;
  int nb = gate_blocks(p, j0, j1, &w);
  for (int g = 0; g < nb; g++) {
    int64_t col = nb == 1 ? 0 : g * H + j0;
    const char *gp = p->gpre + col * es;
    if (p->gwih)
      nn_gemm(p->dt, true, false, w, NI, B, 1, gp, G, p->x, NI, p->beta_ih,
              p->gwih + (size_t)(col * NI) * es, NI);
    if (p->gwhh)
      nn_gemm(p->dt, true, false, w, H, B, 1, gp, G, p->h, H, p->beta_hh,
              p->gwhh + (size_t)(col * H) * es, H);
    if (p->gb1 || p->gb2) {
      char *d1 = p->gb1 ? p->gb1 + col * es : NULL, *d2 = p->gb2 ? p->gb2 + col * es : NULL;
      if (p->dt == LT_FLOAT32)
        colsum_add_f32(B, w, G, (const float *)gp, (float *)d1, (float *)d2);
      else
        colsum_add_f64(B, w, G, (const double *)gp, (double *)d1, (double *)d2);
    }
    if (dh)
      nn_gemm(p->dt, false, false, B, H, w, 1, gp, G, p->whh + (size_t)(col * H) * es, H,
              g ? 1 : 0, dh, H);
    if (dx)
      nn_gemm(p->dt, false, false, B, NI, w, 1, gp, G, p->wih + (size_t)(col * NI) * es, NI,
              g ? 1 : 0, dx, NI);
  }
}

static void lstm_cell_bwd_chunks(int64_t k0, int64_t k1, void *v) {
  for (int64_t k = k0; k < k1; k++) lstm_cell_bwd_units(v, k);
}

/* dst (n) += src (n) */
static void add_into(lt_dtype dt, char *dst, const char *src, int64_t n) {
  if (dt == LT_FLOAT32) {
    float *d = (float *)dst;
    const float *s = (const float *)src;
    for (int64_t i = 0; i < n; i++) d[i] += s[i];
  } else {
    double *d = (double *)dst;
    const double *s = (const double *)src;
    for (int64_t i = 0; i < n; i++) d[i] += s[i];
  }
}

int lt_lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                 lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                 lt_tensor **gates) {
  const char *fn = "lstm_cell";
  int64_t B = 0, NI = 0, H = 0;
  *h_out = *c_out = *gates = NULL;
  if (cell_check(fn, 4, x, h, w_ih, w_hh, b_ih, b_hh, &B, &NI, &H) ||
      check2(fn, "cx", c, x->dtype, B, H))
    return -1;
  const lt_tensor *dv[7] = {x, h, c, w_ih, w_hh, b_ih, b_hh};
  static const char *const dn[7] = {"input", "hx", "cx", "w_ih", "w_hh", "b_ih", "b_hh"};
  if (nn_check_devices(fn, 7, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, lstm_cell, x, h, c, w_ih, w_hh, b_ih, b_hh, h_out, c_out, gates);
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  lt_tensor *in[7] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(b_ih), nn_contig(b_hh), nn_contig(c)};
  lt_tensor *pre = NULL, *o[3] = {0};
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || (b_ih && !in[4]) || (b_hh && !in[5]) || !in[6] ||
      !(pre = lt_tensor_empty(dt, 2, s4)) || !(o[0] = lt_tensor_empty(dt, 2, s1)) ||
      !(o[1] = lt_tensor_empty(dt, 2, s1)) || !(o[2] = lt_tensor_empty(dt, 2, s4)))
    goto done;
  lstm_cell_ctx p = {.dt = dt, .es = lt_dtype_size(dt), .B = B, .NI = NI, .H = H,
                     .x = lt_tensor_data(in[0]), .h = lt_tensor_data(in[1]),
                     .wih = lt_tensor_data(in[2]), .whh = lt_tensor_data(in[3]),
                     .bih = in[4] ? lt_tensor_data(in[4]) : NULL,
                     .bhh = in[5] ? lt_tensor_data(in[5]) : NULL, .c = lt_tensor_data(in[6]),
                     .pre = lt_tensor_data(pre), .h1 = lt_tensor_data(o[0]),
                     .c1 = lt_tensor_data(o[1]), .gates = lt_tensor_data(o[2])};
  if (B > 0 && H > 0) {
    p.nchunks = cell_chunks(H, 8.0 * B * H * (NI + H));
    lt_parallel_for(p.nchunks, 1, lstm_cell_fwd_chunks, &p);
  }
  *h_out = o[0];
  *c_out = o[1];
  *gates = o[2];
  o[0] = o[1] = o[2] = NULL;
  rc = 0;
done:
  nn_release(7, in);
  nn_release(3, o);
  lt_tensor_release(pre);
  return rc;
}

/* lstm_cell_backward's checks before the device hand-over (as lstm_cell's) */
static int lstm_bwd_check(const char *fn, lt_tensor *x, lt_tensor *h, lt_tensor *c,
                          lt_tensor *w_ih, lt_tensor *w_hh, int64_t *B, int64_t *NI, int64_t *H) {
  if (cell_check(fn, 4, x, h, w_ih, w_hh, NULL, NULL, B, NI, H) ||
      check2(fn, "cx", c, x->dtype, *B, *H))
    return -1;
  return 0;
}

/* and after it, on the CPU */
static int lstm_bwd_check_cpu(const char *fn, lt_tensor *grad_h, lt_tensor *grad_c,
                              lt_tensor *x, lt_tensor *gates, lt_tensor *c_out, int64_t B,
                              int64_t H) {
  lt_dtype dt = x->dtype;
  if (check2(fn, "gates", gates, dt, B, 4 * H) || check2(fn, "c_out", c_out, dt, B, H) ||
      (grad_h && check2(fn, "gradH", grad_h, dt, B, H)) ||
      (grad_c && check2(fn, "gradC", grad_c, dt, B, H)))
    return -1;
  return 0;
}

/* The CPU backward (shapes checked). need[i]: return output i as a new
 * tensor; acc (NULL, or per w_ih, w_hh, b_ih, b_hh a tensor or NULL): add
 * that gradient into it. */
static int lstm_cell_bwd_cpu(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                             lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                             lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                             int64_t B, int64_t NI, int64_t H, lt_tensor **const *outs) {
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H}, sx[2] = {B, NI}, sih[2] = {4 * H, NI},
          shh[2] = {4 * H, H}, sb = 4 * H;
  lt_tensor *a[4] = {acc ? acc[0] : NULL, acc ? acc[1] : NULL, acc ? acc[2] : NULL,
                     acc ? acc[3] : NULL};
  /* a missing gradient is a zero tensor and an unwanted one a scratch
   * tensor, so that the pointwise loops have no branches (they vectorize) */
  lt_tensor *in[9] = {nn_contig(x), nn_contig(h), nn_contig(c), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(gates), nn_contig(c_out),
                      grad_h ? nn_contig(grad_h) : lt_tensor_zeros(dt, 2, s1),
                      grad_c ? nn_contig(grad_c) : lt_tensor_zeros(dt, 2, s1)};
  lt_tensor *gpre = NULL, *part = NULL, *o[6] = {0}; /* o: gx, ghp, gcp, gwih, gwhh, gb */
  int rc = -1;
  for (int i = 0; i < 9; i++)
    if (!in[i]) goto done;
  if (!(gpre = lt_tensor_empty(dt, 2, s4)) || !(o[2] = lt_tensor_empty(dt, 2, s1)) ||
      (nn_need(need, 0) && !(o[0] = lt_tensor_empty(dt, 2, sx))) ||
      (nn_need(need, 1) && !(o[1] = lt_tensor_empty(dt, 2, s1))) ||
      (nn_need(need, 3) && !(o[3] = lt_tensor_empty(dt, 2, sih))) ||
      (nn_need(need, 4) && !(o[4] = lt_tensor_empty(dt, 2, shh))) ||
      (nn_need(need, 5) && !(o[5] = lt_tensor_zeros(dt, 1, &sb))))
    goto done;
#define DATA(t) ((t) ? (char *)lt_tensor_data(t) : NULL)
  lstm_cell_ctx p = {.dt = dt, .es = lt_dtype_size(dt), .B = B, .NI = NI, .H = H,
                     .x = DATA(in[0]), .h = DATA(in[1]), .c = DATA(in[2]), .wih = DATA(in[3]),
                     .whh = DATA(in[4]), .gates = DATA(in[5]), .cout = DATA(in[6]),
                     .gh = DATA(in[7]), .gc = DATA(in[8]), .gpre = DATA(gpre), .gcp = DATA(o[2]),
                     .gx = DATA(o[0]), .ghp = DATA(o[1]), .gwih = DATA(a[0] ? a[0] : o[3]),
                     .gwhh = DATA(a[1] ? a[1] : o[4]), .beta_ih = a[0] ? 1 : 0,
                     .beta_hh = a[1] ? 1 : 0, .gb1 = DATA(a[2]), .gb2 = DATA(a[3])};
  if (o[5]) { /* the new bias gradient takes a free destination */
    if (!p.gb1) p.gb1 = DATA(o[5]);
    else p.gb2 = DATA(o[5]);
  }
#undef DATA
  if (B > 0 && H > 0) {
    p.nchunks = cell_chunks(H, 8.0 * B * H * (NI + H) * (p.ghp || p.gx ? 2 : 1));
    if ((p.ghp || p.gx) && p.nchunks > 1) {
      int64_t ps = (p.nchunks - 1) * B * (H + NI);
      if (!(part = lt_tensor_empty(dt, 1, &ps))) goto done;
      p.part = lt_tensor_data(part);
    }
    lt_parallel_for(p.nchunks, 1, lstm_cell_bwd_chunks, &p);
    for (int64_t k = 1; k < p.nchunks; k++) {
      const char *pk = p.part + (size_t)((k - 1) * B * (H + NI)) * p.es;
      if (p.ghp) add_into(dt, p.ghp, pk, B * H);
      if (p.gx) add_into(dt, p.gx, pk + (size_t)(B * H) * p.es, B * NI);
    }
  } else { /* an empty batch: the weight gradients are sums over nothing */
    if ((o[3] && lt_fill_(o[3], 0)) || (o[4] && lt_fill_(o[4], 0))) goto done;
  }
  if (!nn_need(need, 2)) {
    lt_tensor_release(o[2]);
    o[2] = NULL;
  }
  for (int i = 0; i < 6; i++) {
    *outs[i] = o[i];
    o[i] = NULL;
  }
  rc = 0;
done:
  nn_release(9, in);
  nn_release(6, o);
  lt_tensor_release(gpre);
  lt_tensor_release(part);
  return rc;
}

int lt_lstm_cell_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                          lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                          lt_tensor *c_out, const bool *need, lt_tensor **grad_x,
                          lt_tensor **grad_h_prev, lt_tensor **grad_c_prev,
                          lt_tensor **grad_w_ih, lt_tensor **grad_w_hh, lt_tensor **grad_b) {
  const char *fn = "lstm_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (lstm_bwd_check(fn, x, h, c, w_ih, w_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[8] = {x, h, c, w_ih, w_hh, gates, c_out, grad_h};
  static const char *const dn[8] = {"input", "hx", "cx", "w_ih", "w_hh", "gates", "c_out", "gradH"};
  if (nn_check_devices(fn, 8, dv, dn) || lt_device_same(fn, "gradC", grad_c, x)) return -1;
  NN_ON_DEVICE(-1, fn, x, lstm_cell_backward, grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out,
               need, grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b);
  if (lstm_bwd_check_cpu(fn, grad_h, grad_c, x, gates, c_out, B, H)) return -1;
  return lstm_cell_bwd_cpu(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, NULL, B, NI, H,
                           outs);
}

int lt_lstm_cell_backward_acc(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                              lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                              lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                              lt_tensor **grad_x, lt_tensor **grad_h_prev,
                              lt_tensor **grad_c_prev, lt_tensor **grad_w_ih,
                              lt_tensor **grad_w_hh, lt_tensor **grad_b) {
  const char *fn = "lstm_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  bool any = false;
  for (int k = 0; k < 4; k++) any |= acc && acc[k];
  if (any && x && lt_tensor_device(x).type != LT_CPU)
    return lt_errorf("%s: accumulators are for CPU tensors only", fn);
  if (!any)
    return lt_lstm_cell_backward(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, grad_x,
                                 grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b);
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (lstm_bwd_check(fn, x, h, c, w_ih, w_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[8] = {x, h, c, w_ih, w_hh, gates, c_out, grad_h};
  static const char *const dn[8] = {"input", "hx", "cx", "w_ih", "w_hh", "gates", "c_out", "gradH"};
  if (nn_check_devices(fn, 8, dv, dn) || lt_device_same(fn, "gradC", grad_c, x) ||
      lstm_bwd_check_cpu(fn, grad_h, grad_c, x, gates, c_out, B, H))
    return -1;
  const int64_t cols[4] = {NI, H, 0, 0}; /* 0: a bias, 1-D */
  for (int k = 0; k < 4; k++) { /* a destination: the contiguous gradient of its parameter */
    const lt_tensor *d = acc[k];
    int64_t s[2] = {4 * H, cols[k]};
    if (d && (d->dtype != x->dtype || lt_tensor_device(d).type != LT_CPU ||
              !lt_tensor_is_contiguous(d) || nn_check_shape(fn, "accumulator", d, cols[k] ? 2 : 1, s)))
      return lt_errorf("%s: accumulator %d must be a contiguous CPU %s tensor of its parameter's "
                       "size", fn, k + 1, lt_dtype_name(x->dtype));
  }
  return lstm_cell_bwd_cpu(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, acc, B, NI, H,
                           outs);
}

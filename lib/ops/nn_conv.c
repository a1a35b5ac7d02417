/* Convolutions (1-, 2-, 3-D) and the transposed 2-D convolution, forward
 * and backward, by im2col + gemm (see nn_im2col.h for the layout).
 *
 * Work is split over the batch: the batch is cut into one chunk per thread,
 * each chunk owns a column buffer and (backward) its own weight/bias
 * gradient accumulators, summed at the end; the gemms inside run
 * single-threaded (OpenMP OpenBLAS inside our parallel region). A batch of
 * one runs on the calling thread, where BLAS uses every thread.
 *
 * A transposed convolution is the adjoint of a convolution: its forward is
 * a convolution's input-gradient (gemm then col2im), its input-gradient a
 * convolution's forward (im2col then gemm). The image side of the column
 * buffer is then the output.
 *
 * bfloat16 and float16 (mixed precision, torch.autocast) run the float32
 * kernel on widened copies and round each result to the low dtype once:
 * the numbers of a low-precision convolution that accumulates in float32,
 * as cuDNN's do on the GPU (cuda/nn_conv.c). The widening copies are made
 * with grad mode off: a kernel never records (lt_nn_* in nn_grad_*.c do). */
#include <pthread.h>
#include <stdlib.h>

#include "lutorch/autograd.h"
#include "nn_im2col.h"
#include "nn_util.h"

typedef enum { CONV_FWD, CONV_BWD, TCONV_FWD, TCONV_BWD } conv_mode;

/* Everything about one call, spatial dims padded to 3 with size-1 dims. */
typedef struct conv {
  const char *fn;
  conv_mode mode;
  lt_dtype dt;
  size_t es;
  int nsp;
  bool batched;
  int64_t N, Cin, Cout, G;
  int64_t in[3], out[3], k[3], s[3], p[3], d[3], op[3];
  int64_t ipl, opl, kvol; /* input/output plane sizes, kernel volume */
  nn_geom geom;           /* image side: input (conv) or output (transposed) */
  bool direct;            /* 1x1 kernel, stride 1, no padding: no im2col */
  /* data */
  const char *x, *w, *b, *gout;
  char *y, *gin;
  bool need[3];
  char *gw, *gb;          /* chunk 0's accumulators (the results) */
  char **gw_part, **gb_part;
  int64_t nchunks;
  int *oom; /* set by a chunk that could not get its scratch */
} conv;

static bool conv_low(lt_dtype dt) { return dt == LT_BFLOAT16 || dt == LT_FLOAT16; }

/* The convolutions' dtypes: nn_check_float's two and the low-precision
 * ones (which only the convolutions and matrix products take). */
static int conv_check_dtype(const char *fn, const char *what, const lt_tensor *t) {
  if (!t) return lt_errorf("%s: %s is missing", fn, what);
  if (t->dtype != LT_FLOAT32 && t->dtype != LT_FLOAT64 && !conv_low(t->dtype))
    return lt_errorf("%s: %s must be float32 or float64 (or bfloat16/float16), got %s", fn, what,
                     lt_dtype_name(t->dtype));
  return 0;
}

/* An optional tensor (NULL passes) of the input's dtype dt; a mix with a
 * low-precision dtype gets a hint (autocast casts float32 tensors only). */
static int conv_check_like(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt) {
  if (!t || t->dtype == dt) return 0;
  if (conv_low(t->dtype) || conv_low(dt))
    return lt_errorf("%s: %s is %s but input is %s (cast them to one dtype)", fn, what,
                     lt_dtype_name(t->dtype), lt_dtype_name(dt));
  return nn_check_like(fn, what, t, dt);
}

/* Parse the geometry and check every argument against it. */
static int conv_setup(conv *c, const char *fn, int nsp, bool transposed, lt_tensor *input,
                      lt_tensor *weight, lt_tensor *bias, const int64_t *stride,
                      const int64_t *padding, const int64_t *outpad, const int64_t *dilation,
                      int64_t groups) {
  char a[96], b[96];
  memset(c, 0, sizeof *c);
  c->fn = fn;
  c->nsp = nsp;
  if (conv_check_dtype(fn, "input", input) || conv_check_dtype(fn, "weight", weight) ||
      conv_check_like(fn, "weight", weight, input->dtype) ||
      conv_check_like(fn, "bias", bias, input->dtype))
    return -1;
  c->dt = input->dtype;
  c->es = lt_dtype_size(c->dt);
  if (input->ndim != nsp + 2 && input->ndim != nsp + 1)
    return lt_errorf("%s: expected a %d-D (unbatched) or %d-D (batched) input, got %d-D (size %s)",
                     fn, nsp + 1, nsp + 2, input->ndim, lt_shape_str(input->ndim, input->size, a, 96));
  if (weight->ndim != nsp + 2)
    return lt_errorf("%s: expected a %d-D weight, got %d-D (size %s)", fn, nsp + 2, weight->ndim,
                     lt_shape_str(weight->ndim, weight->size, a, 96));
  if (groups < 1) return lt_errorf("%s: groups must be positive, got %lld", fn, (long long)groups);
  c->G = groups;
  c->batched = input->ndim == nsp + 2;
  int off = c->batched ? 1 : 0;
  c->N = c->batched ? input->size[0] : 1;
  c->Cin = input->size[off];
  int64_t wc = weight->size[1];
  if (transposed) {
    if (weight->size[0] != c->Cin)
      return lt_errorf("%s: input has %lld channels but weight (size %s) expects %lld", fn,
                       (long long)c->Cin, lt_shape_str(weight->ndim, weight->size, a, 96),
                       (long long)weight->size[0]);
    c->Cout = wc * groups;
  } else {
    if (wc * groups != c->Cin)
      return lt_errorf("%s: input has %lld channels but weight (size %s) with groups %lld "
                       "expects %lld", fn, (long long)c->Cin,
                       lt_shape_str(weight->ndim, weight->size, a, 96), (long long)groups,
                       (long long)(wc * groups));
    c->Cout = weight->size[0];
  }
  if (c->Cin % groups || c->Cout % groups)
    return lt_errorf("%s: %lld input and %lld output channels are not divisible by groups %lld",
                     fn, (long long)c->Cin, (long long)c->Cout, (long long)groups);
  if (bias && (bias->ndim != 1 || bias->size[0] != c->Cout))
    return lt_errorf("%s: bias has size %s, expected %lld (one per output channel)", fn,
                     lt_shape_str(bias->ndim, bias->size, a, 96), (long long)c->Cout);
  int lead = 3 - nsp;
  for (int i = 0; i < 3; i++) {
    c->in[i] = c->out[i] = c->k[i] = c->s[i] = c->d[i] = 1;
    c->p[i] = c->op[i] = 0;
  }
  for (int i = 0; i < nsp; i++) {
    int j = lead + i;
    c->in[j] = input->size[off + 1 + i];
    c->k[j] = weight->size[2 + i];
    c->s[j] = stride ? stride[i] : 1;
    c->p[j] = padding ? padding[i] : 0;
    c->d[j] = dilation ? dilation[i] : 1;
    c->op[j] = outpad ? outpad[i] : 0;
    if (c->s[j] < 1) return lt_errorf("%s: stride must be positive, got %lld", fn, (long long)c->s[j]);
    if (c->d[j] < 1) return lt_errorf("%s: dilation must be positive, got %lld", fn, (long long)c->d[j]);
    if (c->p[j] < 0) return lt_errorf("%s: padding must be non-negative, got %lld", fn, (long long)c->p[j]);
    if (c->k[j] < 1) return lt_errorf("%s: weight has an empty kernel (size %s)", fn,
                                      lt_shape_str(weight->ndim, weight->size, a, 96));
    if (c->op[j] < 0 || (transposed && c->op[j] >= c->s[j] && c->op[j] >= c->d[j]))
      return lt_errorf("%s: output padding %lld must be smaller than stride or dilation", fn,
                       (long long)c->op[j]);
    int64_t ext = c->d[j] * (c->k[j] - 1) + 1;
    if (transposed) {
      c->out[j] = (c->in[j] - 1) * c->s[j] - 2 * c->p[j] + ext + c->op[j];
    } else {
      c->out[j] = (c->in[j] + 2 * c->p[j] - ext) / c->s[j] + 1;
      if (c->in[j] + 2 * c->p[j] < ext) c->out[j] = 0;
    }
  }
  bool bad = false;
  for (int i = lead; i < 3; i++) bad |= c->out[i] < 1 || c->in[i] < 1;
  if (bad) {
    int64_t ks[3], ps[3];
    for (int i = 0; i < nsp; i++) {
      ks[i] = c->d[lead + i] * (c->k[lead + i] - 1) + 1;
      ps[i] = c->in[lead + i] + 2 * c->p[lead + i];
    }
    if (transposed)
      return lt_errorf("%s: output size would be %s, too small (input %s)", fn,
                       lt_shape_str(nsp, c->out + lead, a, 96), lt_shape_str(nsp, c->in + lead, b, 96));
    return lt_errorf("%s: kernel %s (dilated) is bigger than the padded input %s", fn,
                     lt_shape_str(nsp, ks, a, 96), lt_shape_str(nsp, ps, b, 96));
  }
  c->ipl = c->in[0] * c->in[1] * c->in[2];
  c->opl = c->out[0] * c->out[1] * c->out[2];
  c->kvol = c->k[0] * c->k[1] * c->k[2];
  c->direct = c->kvol == 1;
  for (int i = 0; i < 3; i++) c->direct &= c->s[i] == 1 && c->p[i] == 0 && c->op[i] == 0;
  nn_geom *g = &c->geom;
  g->C = transposed ? c->Cout : c->Cin;
  for (int i = 0; i < 3; i++) {
    g->im[i] = transposed ? c->out[i] : c->in[i];
    g->co[i] = transposed ? c->in[i] : c->out[i];
    g->k[i] = c->k[i];
    g->s[i] = c->s[i];
    g->p[i] = c->p[i];
    g->d[i] = c->d[i];
  }
  return 0;
}

/* Output-side shape ((N,) Cout, out...) into size; returns ndim. */
static int conv_out_shape(const conv *c, int64_t *size) {
  int n = 0;
  if (c->batched) size[n++] = c->N;
  size[n++] = c->Cout;
  for (int i = 3 - c->nsp; i < 3; i++) size[n++] = c->out[i];
  return n;
}

#define AT(p, i) ((p) + (size_t)(i) * c->es)

/* Per-channel sums of a (C, plane) block added into acc, and a bias
 * broadcast over planes: typed loops (these run once per sample). */
#define PLANE_OPS(S, T)                                                              \
  static void channel_sums_##S(int64_t C, int64_t plane, const T *gy, T *acc) {      \
    for (int64_t ch = 0; ch < C; ch++) {                                             \
      const T *p = gy + ch * plane;                                                  \
      T s[8] = {0}; /* eight partial sums: the loop vectorizes */                    \
      int64_t i = 0;                                                                 \
      for (; i + 8 <= plane; i += 8)                                                 \
        for (int k = 0; k < 8; k++) s[k] += p[i + k];                                \
      for (; i < plane; i++) s[0] += p[i];                                           \
      acc[ch] += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));  \
    }                                                                                \
  }                                                                                  \
  static void add_bias_##S(int64_t C, int64_t plane, const T *b, T *y, bool fill) {  \
    for (int64_t ch = 0; ch < C; ch++) {                                             \
      T *p = y + ch * plane, v = b[ch];                                              \
      if (fill)                                                                      \
        for (int64_t i = 0; i < plane; i++) p[i] = v;                                \
      else                                                                           \
        for (int64_t i = 0; i < plane; i++) p[i] += v;                               \
    }                                                                                \
  }
PLANE_OPS(f32, float)
PLANE_OPS(f64, double)

static void add_channel_sums(const conv *c, const char *gy, char *acc) {
  if (c->dt == LT_FLOAT32)
    channel_sums_f32(c->Cout, c->opl, (const float *)gy, (float *)acc);
  else
    channel_sums_f64(c->Cout, c->opl, (const double *)gy, (double *)acc);
}

static void add_bias(const conv *c, char *y, bool fill) {
  if (c->dt == LT_FLOAT32)
    add_bias_f32(c->Cout, c->opl, (const float *)c->b, (float *)y, fill);
  else
    add_bias_f64(c->Cout, c->opl, (const double *)c->b, (double *)y, fill);
}

/* One sample n with column buffer col; gw/gb are this chunk's accumulators. */
static void conv_sample(const conv *c, int64_t n, char *col, char *pad, char *gw, char *gb) {
  const int64_t G = c->G, CinG = c->Cin / G, CoutG = c->Cout / G, kv = c->kvol;
  const int64_t ipl = c->ipl, opl = c->opl;
  const char *x = AT(c->x, n * c->Cin * ipl);
  switch (c->mode) {
  case CONV_FWD: {
    char *y = AT(c->y, n * c->Cout * opl);
    const char *cb = c->direct ? x : col;
    if (!c->direct) nn_im2col(c->dt, x, col, &c->geom, pad);
    if (c->b) add_bias(c, y, true);
    for (int64_t g = 0; g < G; g++)
      nn_gemm(c->dt, false, false, CoutG, opl, CinG * kv, 1, AT(c->w, g * CoutG * CinG * kv),
              CinG * kv, AT(cb, g * CinG * kv * opl), opl, c->b ? 1 : 0, AT(y, g * CoutG * opl), opl);
    break;
  }
  case CONV_BWD: {
    const char *gy = AT(c->gout, n * c->Cout * opl);
    if (c->need[1]) {
      const char *cb = c->direct ? x : col;
      if (!c->direct) nn_im2col(c->dt, x, col, &c->geom, pad);
      for (int64_t g = 0; g < G; g++)
        nn_gemm(c->dt, false, true, CoutG, CinG * kv, opl, 1, AT(gy, g * CoutG * opl), opl,
                AT(cb, g * CinG * kv * opl), opl, 1, AT(gw, g * CoutG * CinG * kv), CinG * kv);
    }
    if (c->need[2]) add_channel_sums(c, gy, gb);
    if (c->need[0]) {
      char *gx = AT(c->gin, n * c->Cin * ipl);
      char *cb = c->direct ? gx : col;
      for (int64_t g = 0; g < G; g++)
        nn_gemm(c->dt, true, false, CinG * kv, opl, CoutG, 1, AT(c->w, g * CoutG * CinG * kv),
                CinG * kv, AT(gy, g * CoutG * opl), opl, 0, AT(cb, g * CinG * kv * opl), opl);
      if (!c->direct) nn_col2im(c->dt, col, gx, &c->geom, pad);
    }
    break;
  }
  case TCONV_FWD: { /* y = col2im(Wᵀ·x) + b */
    char *y = AT(c->y, n * c->Cout * opl);
    char *cb = c->direct ? y : col;
    for (int64_t g = 0; g < G; g++)
      nn_gemm(c->dt, true, false, CoutG * kv, ipl, CinG, 1, AT(c->w, g * CinG * CoutG * kv),
              CoutG * kv, AT(x, g * CinG * ipl), ipl, 0, AT(cb, g * CoutG * kv * ipl), ipl);
    if (!c->direct) nn_col2im(c->dt, col, y, &c->geom, pad);
    if (c->b) add_bias(c, y, false);
    break;
  }
  case TCONV_BWD: { /* gx = W·im2col(gy), gW += x·im2col(gy)ᵀ */
    const char *gy = AT(c->gout, n * c->Cout * opl);
    const char *cb = c->direct ? gy : col;
    if (!c->direct && (c->need[0] || c->need[1])) nn_im2col(c->dt, gy, col, &c->geom, pad);
    if (c->need[0]) {
      char *gx = AT(c->gin, n * c->Cin * ipl);
      for (int64_t g = 0; g < G; g++)
        nn_gemm(c->dt, false, false, CinG, ipl, CoutG * kv, 1, AT(c->w, g * CinG * CoutG * kv),
                CoutG * kv, AT(cb, g * CoutG * kv * ipl), ipl, 0, AT(gx, g * CinG * ipl), ipl);
    }
    if (c->need[1])
      for (int64_t g = 0; g < G; g++)
        nn_gemm(c->dt, false, true, CinG, CoutG * kv, ipl, 1, AT(x, g * CinG * ipl), ipl,
                AT(cb, g * CoutG * kv * ipl), ipl, 1, AT(gw, g * CinG * CoutG * kv), CoutG * kv);
    if (c->need[2]) add_channel_sums(c, gy, gb);
    break;
  }
  }
}

/* Scratch (column buffer + padded image) is kept per thread between calls:
 * a fresh 0.6 MiB buffer per call came from mmap and paid its page faults
 * every time. Buffers above SCRATCH_KEEP are allocated per call. */
#define SCRATCH_KEEP ((size_t)32 << 20)
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
typedef struct scratch {
  size_t n;
  char data[];
} scratch;
static void scratch_make_key(void) { pthread_key_create(&scratch_key, free); }

/* bytes of scratch; *owned says the caller must free it */
static char *scratch_take(size_t bytes, bool *owned) {
  *owned = bytes > SCRATCH_KEEP;
  if (*owned) return malloc(bytes);
  pthread_once(&scratch_once, scratch_make_key);
  scratch *s = pthread_getspecific(scratch_key);
  if (!s || s->n < bytes) {
    free(s);
    s = malloc(sizeof *s + bytes);
    pthread_setspecific(scratch_key, s);
    if (!s) return NULL;
    s->n = bytes;
  }
  return s->data;
}

static void conv_chunks(int64_t b, int64_t e, void *ctx) {
  const conv *c = ctx;
  size_t colsize = 0, padsize = 0;
  if (!c->direct) {
    colsize = (size_t)(c->geom.C * c->kvol * c->geom.co[0] * c->geom.co[1] * c->geom.co[2]);
    colsize = (colsize * c->es + 63) & ~(size_t)63;
    padsize = (size_t)nn_pad_size(&c->geom) * c->es;
  }
  bool owned = false;
  char *col = c->direct ? NULL : scratch_take(colsize + padsize + 64, &owned);
  if (!c->direct && !col) {
    c->oom[0] = 1;
    return;
  }
  char *pad = col ? col + colsize : NULL;
  for (int64_t k = b; k < e; k++) {
    int64_t n0 = c->N * k / c->nchunks, n1 = c->N * (k + 1) / c->nchunks;
    char *gw = k ? c->gw_part[k] : c->gw, *gb = k ? c->gb_part[k] : c->gb;
    for (int64_t n = n0; n < n1; n++) conv_sample(c, n, col, pad, gw, gb);
  }
  if (owned) free(col);
}

/* Run the samples: chunk k accumulates into gw_part[k] (k > 0). */
static int conv_run(conv *c) {
  int threads = lt_in_parallel() ? 1 : lt_get_num_threads();
  c->nchunks = c->N < threads ? c->N : threads;
  if (c->nchunks < 1) c->nchunks = 1;
  bool acc = c->mode == CONV_BWD || c->mode == TCONV_BWD;
  int64_t wsize = c->Cout * (c->Cin / c->G) * c->kvol;
  char *parts[2 * 64] = {0};
  if (c->nchunks > 64) c->nchunks = 64;
  c->gw_part = parts;
  c->gb_part = parts + 64;
  int rc = 0;
  if (acc)
    for (int64_t k = 1; k < c->nchunks; k++) {
      if (c->need[1] && !(parts[k] = calloc((size_t)wsize, c->es))) rc = -1;
      if (c->need[2] && !(parts[64 + k] = calloc((size_t)c->Cout, c->es))) rc = -1;
    }
  if (rc) {
    lt_errorf("%s: out of memory", c->fn);
  } else {
    int oom = 0;
    c->oom = &oom;
    lt_parallel_for(c->nchunks, 1, conv_chunks, c);
    if (oom) rc = lt_errorf("%s: out of memory", c->fn);
    if (acc && !rc)
      for (int64_t k = 1; k < c->nchunks; k++) {
        if (c->need[1])
          for (int64_t i = 0; i < wsize; i++)
            nn_st(c->dt, c->gw, i, nn_ld(c->dt, c->gw, i) + nn_ld(c->dt, parts[k], i));
        if (c->need[2])
          for (int64_t i = 0; i < c->Cout; i++)
            nn_st(c->dt, c->gb, i, nn_ld(c->dt, c->gb, i) + nn_ld(c->dt, parts[64 + k], i));
      }
  }
  for (int k = 0; k < 128; k++) free(parts[k]);
  return rc;
}

static lt_tensor *conv_forward(const char *fn, int nsp, bool transposed, lt_tensor *input,
                               lt_tensor *weight, lt_tensor *bias, const int64_t *stride,
                               const int64_t *padding, const int64_t *outpad,
                               const int64_t *dilation, int64_t groups) {
  conv c;
  if (conv_setup(&c, fn, nsp, transposed, input, weight, bias, stride, padding, outpad, dilation,
                 groups))
    return NULL;
  const lt_tensor *ts[3] = {input, weight, bias};
  const char *names[3] = {"input", "weight", "bias"};
  if (nn_check_devices(fn, 3, ts, names)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, conv, nsp, transposed, input, weight, bias, stride, padding,
               outpad, dilation, groups);
  if (conv_low(c.dt)) { /* widen, run in float32, round once */
    bool grad = lt_set_grad_enabled(false);
    lt_tensor *x = lt_to_dtype(input, LT_FLOAT32), *w = x ? lt_to_dtype(weight, LT_FLOAT32) : NULL;
    lt_tensor *b = w && bias ? lt_to_dtype(bias, LT_FLOAT32) : NULL;
    lt_tensor *y32 = w && (b || !bias) ? conv_forward(fn, nsp, transposed, x, w, b, stride, padding,
                                                      outpad, dilation, groups)
                                       : NULL;
    lt_tensor *y = y32 ? lt_to_dtype(y32, c.dt) : NULL;
    lt_tensor *tmp[4] = {x, w, b, y32};
    nn_release(4, tmp);
    lt_set_grad_enabled(grad);
    return y;
  }
  c.mode = transposed ? TCONV_FWD : CONV_FWD;
  int64_t size[5];
  int nd = conv_out_shape(&c, size);
  lt_tensor *x = nn_contig(input), *w = nn_contig(weight), *b = nn_contig(bias);
  lt_tensor *y = x && w && (b || !bias) ? lt_tensor_empty(c.dt, nd, size) : NULL;
  if (y) {
    c.x = lt_tensor_data(x);
    c.w = lt_tensor_data(w);
    c.b = b ? lt_tensor_data(b) : NULL;
    c.y = lt_tensor_data(y);
    if (conv_run(&c)) {
      lt_tensor_release(y);
      y = NULL;
    }
  }
  lt_tensor *tmp[3] = {x, w, b};
  nn_release(3, tmp);
  return y;
}

static int conv_backward(const char *fn, int nsp, bool transposed, lt_tensor *grad_output,
                         lt_tensor *input, lt_tensor *weight, const int64_t *stride,
                         const int64_t *padding, const int64_t *outpad, const int64_t *dilation,
                         int64_t groups, const bool *need, lt_tensor **gi, lt_tensor **gw,
                         lt_tensor **gb) {
  conv c;
  *gi = *gw = *gb = NULL;
  if (conv_setup(&c, fn, nsp, transposed, input, weight, NULL, stride, padding, outpad, dilation,
                 groups))
    return -1;
  if (conv_check_dtype(fn, "gradOutput", grad_output) ||
      conv_check_like(fn, "gradOutput", grad_output, c.dt))
    return -1;
  int64_t size[5];
  int nd = conv_out_shape(&c, size);
  if (nn_check_shape(fn, "gradOutput", grad_output, nd, size)) return -1;
  const lt_tensor *ts[3] = {input, weight, grad_output};
  const char *names[3] = {"input", "weight", "gradOutput"};
  if (nn_check_devices(fn, 3, ts, names)) return -1;
  NN_ON_DEVICE(-1, fn, input, conv_backward, nsp, transposed, grad_output, input, weight, stride,
               padding, outpad, dilation, groups, need, gi, gw, gb);
  if (conv_low(c.dt)) { /* widen, run in float32, round each gradient once */
    bool grad = lt_set_grad_enabled(false);
    lt_tensor *x = lt_to_dtype(input, LT_FLOAT32), *w = x ? lt_to_dtype(weight, LT_FLOAT32) : NULL;
    lt_tensor *gy = w ? lt_to_dtype(grad_output, LT_FLOAT32) : NULL;
    lt_tensor *r[3] = {0}, **out[3] = {gi, gw, gb};
    int rc = gy ? conv_backward(fn, nsp, transposed, gy, x, w, stride, padding, outpad, dilation,
                                groups, need, &r[0], &r[1], &r[2])
                : -1;
    for (int i = 0; i < 3; i++)
      if (!rc && r[i] && !(*out[i] = lt_to_dtype(r[i], c.dt))) rc = -1;
    if (rc) {
      lt_tensor *o[3] = {*gi, *gw, *gb};
      nn_release(3, o);
      *gi = *gw = *gb = NULL;
    }
    lt_tensor *tmp[6] = {x, w, gy, r[0], r[1], r[2]};
    nn_release(6, tmp);
    lt_set_grad_enabled(grad);
    return rc;
  }
  c.mode = transposed ? TCONV_BWD : CONV_BWD;
  for (int i = 0; i < 3; i++) c.need[i] = nn_need(need, i);
  lt_tensor *x = nn_contig(input), *w = nn_contig(weight), *gy = nn_contig(grad_output);
  int rc = -1;
  if (!x || !w || !gy) goto done;
  if (c.need[0] && !(*gi = lt_tensor_empty(c.dt, input->ndim, input->size))) goto done;
  if (c.need[1] && !(*gw = lt_tensor_zeros(c.dt, weight->ndim, weight->size))) goto done;
  if (c.need[2] && !(*gb = lt_tensor_zeros(c.dt, 1, &c.Cout))) goto done;
  c.x = lt_tensor_data(x);
  c.w = lt_tensor_data(w);
  c.gout = lt_tensor_data(gy);
  c.gin = *gi ? lt_tensor_data(*gi) : NULL;
  c.gw = *gw ? lt_tensor_data(*gw) : NULL;
  c.gb = *gb ? lt_tensor_data(*gb) : NULL;
  rc = conv_run(&c);
done:
  if (rc) {
    lt_tensor *r[3] = {*gi, *gw, *gb};
    nn_release(3, r);
    *gi = *gw = *gb = NULL;
  }
  lt_tensor *tmp[3] = {x, w, gy};
  nn_release(3, tmp);
  return rc;
}

#define CONV_API(D)                                                                             \
  lt_tensor *lt_conv##D##d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,                \
                           const int64_t *stride, const int64_t *padding,                       \
                           const int64_t *dilation, int64_t groups) {                           \
    return conv_forward("conv" #D "d", D, false, input, weight, bias, stride, padding, NULL,    \
                        dilation, groups);                                                      \
  }                                                                                             \
  int lt_conv##D##d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,       \
                             const int64_t *stride, const int64_t *padding,                     \
                             const int64_t *dilation, int64_t groups, const bool *need,         \
                             lt_tensor **grad_input, lt_tensor **grad_weight,                   \
                             lt_tensor **grad_bias) {                                           \
    return conv_backward("conv" #D "d_backward", D, false, grad_output, input, weight, stride,  \
                         padding, NULL, dilation, groups, need, grad_input, grad_weight,        \
                         grad_bias);                                                            \
  }
CONV_API(1)
CONV_API(2)
CONV_API(3)

lt_tensor *lt_conv_transpose2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                               const int64_t *stride, const int64_t *padding,
                               const int64_t *output_padding, const int64_t *dilation,
                               int64_t groups) {
  return conv_forward("conv_transpose2d", 2, true, input, weight, bias, stride, padding,
                      output_padding, dilation, groups);
}

int lt_conv_transpose2d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                                 const int64_t *stride, const int64_t *padding,
                                 const int64_t *output_padding, const int64_t *dilation,
                                 int64_t groups, const bool *need, lt_tensor **grad_input,
                                 lt_tensor **grad_weight, lt_tensor **grad_bias) {
  return conv_backward("conv_transpose2d_backward", 2, true, grad_output, input, weight, stride,
                       padding, output_padding, dilation, groups, need, grad_input, grad_weight,
                       grad_bias);
}

/* Convolutions on the GPU with cuDNN's legacy API: the `conv` and
 * `conv_backward` entries of the device nn table (device_nn.h), for
 * lib/ops/nn_conv.c, which has checked every argument before handing over.
 *
 * Layout: NCHW / NCDHW descriptors on contiguous copies; a 1-D convolution
 * is a 2-D one with H = 1 (kernel 1, stride 1, padding 0, dilation 1 there).
 * A transposed convolution is the adjoint of the convolution whose input is
 * the transposed one's output ("the underlying convolution", weight layout
 * (Cin, Cout/groups, k...) = cuDNN's (K, C/groups, k...)): its forward is
 * that convolution's BackwardData, its input gradient the Forward, its
 * weight gradient BackwardFilter with gradOutput in the role of the input.
 * Bias: cudnnAddTensor forward, cudnnConvolutionBackwardBias (a sum over N
 * and the spatial dims) backward.
 *
 * Algorithms come from cuDNN's heuristics (cudnnGet*_v7, PyTorch's choice
 * when torch.backends.cudnn.benchmark is off), once per problem: the key
 * (make_key) is the pass, device, dtype, math mode, transposed flag,
 * groups, N, channels and every spatial size, padding, stride and dilation;
 * cudnn.c holds the cache. Workspaces come from the caching allocator and
 * go back right after the call (the stream orders their reuse).
 *
 * Math: float64 in double; float32 in float (CUDNN_FMA_MATH: on Ampere and
 * later CUDNN_DEFAULT_MATH would allow TF32), TF32 tensor cores only when
 * torch.cuda.setTF32(true) is on, as for the matrix products (blas.c).
 * bfloat16 / float16 (mixed precision): tensors and filter in the low
 * dtype, the convolution's compute type float (cuDNN's "pseudo" half and
 * bfloat16 configurations: products summed in float, each result rounded
 * once), CUDNN_TENSOR_OP_MATH; the bias added in the low dtype; the bias
 * gradient summed in float from a float32 copy of gradOutput, then
 * rounded. Scaling factors (alpha, beta) are float for every dtype but
 * float64. */
#include "nn_internal.h"

#ifdef LUTORCH_HAVE_CUDNN
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lt_cudnn.h"
#include "lutorch/autograd.h"

/* The legacy convolution API is marked deprecated in cuDNN 9 (in favour of
 * the graph API) but is supported there and is what this file is written
 * against. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

enum { PASS_FWD, PASS_BWD_DATA, PASS_BWD_FILTER };

/* One call: geometry with cuDNN's nd (2 or 3) spatial dims, descriptors of
 * the public input, public output, weight, bias and the convolution. */
typedef struct {
  char fn[40];
  bool tr;
  int nd;
  lt_dtype ldt;
  cudnnDataType_t dt;   /* of tensors and filter */
  cudnnDataType_t cdt;  /* the convolution's compute type */
  cudnnMathType_t math; /* float32: FMA, or TENSOR_OP with TF32 on; bf16/f16: TENSOR_OP */
  int dev;
  lt_device ldev;
  cudnnHandle_t h;
  int64_t N, Cin, Cout, G, wdim[2];
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  cudnnTensorDescriptor_t ind, outd, bd;
  cudnnFilterDescriptor_t wd;
  cudnnConvolutionDescriptor_t cd;
} cconv;

static bool is_low(const cconv *c) { return c->ldt == LT_BFLOAT16 || c->ldt == LT_FLOAT16; }

static void geometry(cconv *c, int nsp, bool tr, const lt_tensor *input, const lt_tensor *weight,
                     const int64_t *stride, const int64_t *padding, const int64_t *outpad,
                     const int64_t *dilation, int64_t groups, bool backward) {
  memset(c, 0, sizeof *c);
  if (tr)
    snprintf(c->fn, sizeof c->fn, "conv_transpose2d%s", backward ? "_backward" : "");
  else
    snprintf(c->fn, sizeof c->fn, "conv%dd%s", nsp, backward ? "_backward" : "");
  c->tr = tr;
  c->nd = nsp == 3 ? 3 : 2;
  c->ldt = input->dtype;
  switch (c->ldt) {
  case LT_FLOAT64: c->dt = c->cdt = CUDNN_DATA_DOUBLE; break;
  case LT_BFLOAT16: c->dt = CUDNN_DATA_BFLOAT16; c->cdt = CUDNN_DATA_FLOAT; break;
  case LT_FLOAT16: c->dt = CUDNN_DATA_HALF; c->cdt = CUDNN_DATA_FLOAT; break;
  default: c->dt = c->cdt = CUDNN_DATA_FLOAT; break;
  }
  if (c->ldt == LT_FLOAT64)
    c->math = CUDNN_DEFAULT_MATH;
  else
    c->math = is_low(c) || lt_cuda_get_tf32() ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
  c->dev = lt_cuda_dev_of(input);
  c->ldev = lt_tensor_device(input);
  bool batched = input->ndim == nsp + 2;
  int off = batched ? 1 : 0;
  c->N = batched ? input->size[0] : 1;
  c->Cin = input->size[off];
  c->G = groups;
  c->wdim[0] = weight->size[0];
  c->wdim[1] = weight->size[1];
  c->Cout = tr ? weight->size[1] * groups : weight->size[0];
  int lead = c->nd - nsp;
  for (int i = 0; i < 3; i++) {
    c->in[i] = c->out[i] = c->k[i] = c->s[i] = c->d[i] = 1;
    c->p[i] = 0;
  }
  for (int i = 0; i < nsp; i++) {
    int j = lead + i;
    c->in[j] = input->size[off + 1 + i];
    c->k[j] = weight->size[2 + i];
    c->s[j] = stride ? stride[i] : 1;
    c->p[j] = padding ? padding[i] : 0;
    c->d[j] = dilation ? dilation[i] : 1;
    int64_t ext = c->d[j] * (c->k[j] - 1) + 1, op = outpad ? outpad[i] : 0;
    c->out[j] = tr ? (c->in[j] - 1) * c->s[j] - 2 * c->p[j] + ext + op
                   : (c->in[j] + 2 * c->p[j] - ext) / c->s[j] + 1;
  }
}

static void free_descs(cconv *c) {
  if (c->ind) cudnnDestroyTensorDescriptor(c->ind);
  if (c->outd) cudnnDestroyTensorDescriptor(c->outd);
  if (c->bd) cudnnDestroyTensorDescriptor(c->bd);
  if (c->wd) cudnnDestroyFilterDescriptor(c->wd);
  if (c->cd) cudnnDestroyConvolutionDescriptor(c->cd);
}

/* cuDNN's descriptors take int sizes and strides. */
static int fits(const cconv *c, int n, const int64_t *dims) {
  int64_t numel = 1;
  for (int i = 0; i < n; i++) {
    if (dims[i] > INT_MAX) goto big;
    numel *= dims[i];
    if (numel > INT_MAX) goto big;
  }
  return 0;
big:
  return lt_errorf("%s: tensors of 2^31 or more elements are not supported for CUDA tensors "
                   "(split the batch)", c->fn);
}

/* An NC(D)HW tensor descriptor of data type dt, contiguous. */
static int tensor_desc_as(const cconv *c, cudnnDataType_t dt, cudnnTensorDescriptor_t *d,
                          int64_t N, int64_t C, const int64_t *sp) {
  int64_t dims[5] = {N, C, sp[0], sp[1], sp[2]};
  int n = 2 + c->nd, di[5], st[5];
  if (fits(c, n, dims)) return -1;
  int64_t stride = 1;
  for (int i = n - 1; i >= 0; i--) {
    di[i] = (int)dims[i];
    st[i] = (int)stride;
    stride *= dims[i];
  }
  DNN_TRY(c->fn, cudnnCreateTensorDescriptor(d));
  DNN_TRY(c->fn, cudnnSetTensorNdDescriptor(*d, dt, n, di, st));
  return 0;
}

static int tensor_desc(const cconv *c, cudnnTensorDescriptor_t *d, int64_t N, int64_t C,
                       const int64_t *sp) {
  return tensor_desc_as(c, c->dt, d, N, C, sp);
}

/* Descriptors of the public output and the bias: all that the bias
 * gradient needs (it exists even where the convolution itself is empty). */
static int bias_descs(cconv *c) {
  int64_t one[3] = {1, 1, 1};
  if (tensor_desc(c, &c->outd, c->N, c->Cout, c->out)) return -1;
  return tensor_desc(c, &c->bd, 1, c->Cout, one);
}

/* Descriptors of the convolution itself (every size positive). */
static int conv_descs(cconv *c) {
  if (tensor_desc(c, &c->ind, c->N, c->Cin, c->in)) return -1;
  int64_t wdims[5] = {c->wdim[0], c->wdim[1], c->k[0], c->k[1], c->k[2]};
  int n = 2 + c->nd, wi[5], pad[3], str[3], dil[3];
  if (fits(c, n, wdims)) return -1;
  for (int i = 0; i < n; i++) wi[i] = (int)wdims[i];
  for (int i = 0; i < c->nd; i++) {
    if (c->p[i] > INT_MAX || c->s[i] > INT_MAX || c->d[i] > INT_MAX)
      return lt_errorf("%s: padding, stride or dilation too large for cuDNN", c->fn);
    pad[i] = (int)c->p[i];
    str[i] = (int)c->s[i];
    dil[i] = (int)c->d[i];
    /* the underlying convolution must map the output back onto the input
     * exactly: not so when output_padding >= stride (allowed on the CPU
     * when it is below the dilation) */
    int64_t ext = c->d[i] * (c->k[i] - 1) + 1;
    if (c->tr && (c->out[i] + 2 * c->p[i] - ext) / c->s[i] + 1 != c->in[i])
      return lt_errorf("%s: output padding not smaller than the stride is not supported for "
                       "CUDA tensors", c->fn);
  }
  DNN_TRY(c->fn, cudnnCreateFilterDescriptor(&c->wd));
  DNN_TRY(c->fn, cudnnSetFilterNdDescriptor(c->wd, c->dt, CUDNN_TENSOR_NCHW, n, wi));
  DNN_TRY(c->fn, cudnnCreateConvolutionDescriptor(&c->cd));
  DNN_TRY(c->fn, cudnnSetConvolutionNdDescriptor(c->cd, c->nd, pad, str, dil,
                                                 CUDNN_CROSS_CORRELATION, c->cdt));
  DNN_TRY(c->fn, cudnnSetConvolutionGroupCount(c->cd, (int)c->G));
  DNN_TRY(c->fn, cudnnSetConvolutionMathType(c->cd, c->math));
  return 0;
}

/* The underlying convolution's input (x) and output (y) descriptors. */
static cudnnTensorDescriptor_t xdesc(const cconv *c) { return c->tr ? c->outd : c->ind; }
static cudnnTensorDescriptor_t ydesc(const cconv *c) { return c->tr ? c->ind : c->outd; }

static void make_key(const cconv *c, int pass, int64_t *key) {
  memset(key, 0, sizeof(int64_t) * LT_CUDNN_KEY_LEN);
  int n = 0;
  key[n++] = pass;
  key[n++] = c->dev;
  key[n++] = c->ldt;
  key[n++] = c->math;
  key[n++] = c->tr;
  key[n++] = c->nd;
  key[n++] = c->G;
  key[n++] = c->N;
  key[n++] = c->Cin;
  key[n++] = c->Cout;
  for (int i = 0; i < c->nd; i++) { /* 7 + 3 + 6 * 3 = 28 words at most */
    key[n++] = c->in[i];
    key[n++] = c->k[i];
    key[n++] = c->s[i];
    key[n++] = c->p[i];
    key[n++] = c->d[i];
    key[n++] = c->out[i];
  }
}

/* A heuristic result we may run: never a down-conversion to half, never
 * TF32 for float32 unless allowed. */
static bool usable(const cconv *c, cudnnStatus_t st, cudnnMathType_t m) {
  if (st != CUDNN_STATUS_SUCCESS || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return false;
  return c->math != CUDNN_FMA_MATH || m != CUDNN_TENSOR_OP_MATH;
}

static int workspace_size(cconv *c, int pass, lt_cudnn_algo *a) {
  cudnnTensorDescriptor_t xd = xdesc(c), yd = ydesc(c);
  DNN_TRY(c->fn, cudnnSetConvolutionMathType(c->cd, a->math));
  if (pass == PASS_FWD)
    DNN_TRY(c->fn, cudnnGetConvolutionForwardWorkspaceSize(c->h, xd, c->wd, c->cd, yd,
                                                           a->algo, &a->workspace));
  else if (pass == PASS_BWD_DATA)
    DNN_TRY(c->fn, cudnnGetConvolutionBackwardDataWorkspaceSize(c->h, c->wd, yd, c->cd, xd,
                                                                a->algo, &a->workspace));
  else
    DNN_TRY(c->fn, cudnnGetConvolutionBackwardFilterWorkspaceSize(c->h, xd, yd, c->cd, c->wd,
                                                                  a->algo, &a->workspace));
  return 0;
}

/* The heuristics' first usable algorithm for the pass (cached); algorithm
 * 0 of each pass (implicit GEMM) runs every problem and is the fallback. */
#define PICK(GET, COUNT, PERF, ...)                                                  \
  do {                                                                               \
    PERF r[COUNT];                                                                   \
    int n = 0;                                                                       \
    DNN_TRY(c->fn, GET(c->h, __VA_ARGS__, COUNT, &n, r));                            \
    for (int i = 0; i < n; i++)                                                      \
      if (usable(c, r[i].status, r[i].mathType)) {                                   \
        a->algo = (int)r[i].algo;                                                    \
        a->math = c->math == CUDNN_FMA_MATH ? CUDNN_FMA_MATH : r[i].mathType;        \
        break;                                                                       \
      }                                                                              \
  } while (0)

static int pick(cconv *c, int pass, lt_cudnn_algo *a) {
  int64_t key[LT_CUDNN_KEY_LEN];
  make_key(c, pass, key);
  if (lt_cudnn_algo_get(key, a)) return 0;
  cudnnTensorDescriptor_t xd = xdesc(c), yd = ydesc(c);
  a->algo = 0;
  a->math = c->math;
  if (pass == PASS_FWD)
    PICK(cudnnGetConvolutionForwardAlgorithm_v7, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
         cudnnConvolutionFwdAlgoPerf_t, xd, c->wd, c->cd, yd);
  else if (pass == PASS_BWD_DATA)
    PICK(cudnnGetConvolutionBackwardDataAlgorithm_v7, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
         cudnnConvolutionBwdDataAlgoPerf_t, c->wd, yd, c->cd, xd);
  else
    PICK(cudnnGetConvolutionBackwardFilterAlgorithm_v7, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
         cudnnConvolutionBwdFilterAlgoPerf_t, xd, yd, c->cd, c->wd);
  if (workspace_size(c, pass, a)) return -1;
  lt_cudnn_algo_put(key, *a);
  return 0;
}

/* One pass of the underlying convolution, out = (with beta 0):
 *   FWD         y  = conv(x = p0, w = p1)
 *   BWD_DATA    dx = conv's input gradient (w = p0, dy = p1)
 *   BWD_FILTER  dw = conv's weight gradient (x = p0, dy = p1) */
static int run_pass(cconv *c, int pass, const void *p0, const void *p1, void *out) {
  lt_cudnn_algo a;
  if (pick(c, pass, &a)) return -1;
  void *ws = a.workspace ? lt_cuda_alloc(c->dev, a.workspace) : NULL;
  if (a.workspace && !ws) { /* no memory for that one: algorithm 0 needs little or none */
    a.algo = 0;
    a.math = c->math;
    if (workspace_size(c, pass, &a)) return -1;
    if (a.workspace && !(ws = lt_cuda_alloc(c->dev, a.workspace)))
      return lt_errorf("%s: out of GPU memory for a cuDNN workspace of %zu bytes", c->fn,
                       a.workspace);
  }
  float f1 = 1, f0 = 0;
  double d1 = 1, d0 = 0;
  const void *one = c->ldt != LT_FLOAT64 ? (const void *)&f1 : (const void *)&d1;
  const void *zero = c->ldt != LT_FLOAT64 ? (const void *)&f0 : (const void *)&d0;
  cudnnTensorDescriptor_t xd = xdesc(c), yd = ydesc(c);
  cudnnStatus_t st = cudnnSetConvolutionMathType(c->cd, a.math);
  const char *call = "cudnnConvolutionForward";
  if (st == CUDNN_STATUS_SUCCESS) {
    if (pass == PASS_FWD) {
      st = cudnnConvolutionForward(c->h, one, xd, p0, c->wd, p1, c->cd,
                                   (cudnnConvolutionFwdAlgo_t)a.algo, ws, a.workspace, zero, yd,
                                   out);
    } else if (pass == PASS_BWD_DATA) {
      call = "cudnnConvolutionBackwardData";
      st = cudnnConvolutionBackwardData(c->h, one, c->wd, p0, yd, p1, c->cd,
                                        (cudnnConvolutionBwdDataAlgo_t)a.algo, ws, a.workspace,
                                        zero, xd, out);
    } else {
      call = "cudnnConvolutionBackwardFilter";
      st = cudnnConvolutionBackwardFilter(c->h, one, xd, p0, yd, p1, c->cd,
                                          (cudnnConvolutionBwdFilterAlgo_t)a.algo, ws,
                                          a.workspace, zero, c->wd, out);
    }
  } else {
    call = "cudnnSetConvolutionMathType";
  }
  if (ws) lt_cuda_free(c->dev, ws, a.workspace);
  return st == CUDNN_STATUS_SUCCESS ? 0 : lt_cudnn_fail(c->fn, call, st);
}

static const void *scal(const cconv *c, double v, float *f, double *d) {
  *f = (float)v;
  *d = v;
  return c->ldt != LT_FLOAT64 ? (const void *)f : (const void *)d;
}

/* (N,) Cout, out... as lib's kernel returns it */
static int output_shape(const cconv *c, int nsp, bool batched, int64_t *size) {
  int n = 0;
  if (batched) size[n++] = c->N;
  size[n++] = c->Cout;
  for (int i = c->nd - nsp; i < c->nd; i++) size[n++] = c->out[i];
  return n;
}

/* t = 0 (zeros for an empty reduction) */
static lt_tensor *zeros_on(const cconv *c, int ndim, const int64_t *size) {
  lt_tensor *t = lt_tensor_empty_on(c->ldt, ndim, size, c->ldev);
  if (t && lt_fill_(t, 0)) {
    lt_tensor_release(t);
    t = NULL;
  }
  return t;
}

/* y += bias over N and the spatial dims (ch: y's channel dim), by
 * cudnnAddTensor in y's dtype. Should cuDNN refuse that for a low-precision
 * dtype, lib's broadcasting add (a GPU elementwise kernel) does the same
 * sum and replaces y. */
static int add_bias(const cconv *c, lt_tensor *b, int ch, lt_tensor **y) {
  float f[2];
  double d[2];
  cudnnStatus_t st = cudnnAddTensor(c->h, scal(c, 1, f, d), c->bd, lt_tensor_data(b),
                                    scal(c, 1, f + 1, d + 1), c->outd, lt_tensor_data(*y));
  if (st == CUDNN_STATUS_SUCCESS) return 0;
  if (!is_low(c)) return lt_cudnn_fail(c->fn, "cudnnAddTensor", st);
  (void)cudaGetLastError();
  int64_t bs[5];
  for (int i = 0; i < (*y)->ndim; i++) bs[i] = i == ch ? c->Cout : 1;
  bool grad = lt_set_grad_enabled(false); /* a kernel never records */
  lt_tensor *bv = lt_view(b, (*y)->ndim, bs);
  lt_tensor *r = bv ? lt_add(*y, bv) : NULL;
  lt_tensor_release(bv);
  lt_set_grad_enabled(grad);
  if (!r) return -1;
  lt_tensor_release(*y);
  *y = r;
  return 0;
}

/* The bias gradient (*gb, allocated) of a low-precision gradOutput gy
 * (contiguous): summed in float by cuDNN on a float32 copy, rounded once. */
static int bias_grad_low(const cconv *c, lt_tensor *gy, lt_tensor *gb) {
  cudnnTensorDescriptor_t od = NULL, bd = NULL;
  int64_t one[3] = {1, 1, 1};
  bool grad = lt_set_grad_enabled(false); /* a kernel never records */
  lt_tensor *g32 = lt_to_dtype(gy, LT_FLOAT32);
  lt_tensor *b32 = g32 ? lt_tensor_empty_on(LT_FLOAT32, 1, &c->Cout, c->ldev) : NULL;
  int rc = -1;
  if (b32 && !tensor_desc_as(c, CUDNN_DATA_FLOAT, &od, c->N, c->Cout, c->out) &&
      !tensor_desc_as(c, CUDNN_DATA_FLOAT, &bd, 1, c->Cout, one)) {
    float f1 = 1, f0 = 0;
    cudnnStatus_t st = cudnnConvolutionBackwardBias(c->h, &f1, od, lt_tensor_data(g32), &f0, bd,
                                                    lt_tensor_data(b32));
    if (st != CUDNN_STATUS_SUCCESS)
      lt_cudnn_fail(c->fn, "cudnnConvolutionBackwardBias", st);
    else
      rc = lt_copy_(gb, b32);
  }
  if (od) cudnnDestroyTensorDescriptor(od);
  if (bd) cudnnDestroyTensorDescriptor(bd);
  lt_tensor_release(g32);
  lt_tensor_release(b32);
  lt_set_grad_enabled(grad);
  return rc;
}

static lt_tensor *cuda_conv(int nsp, bool tr, lt_tensor *input, lt_tensor *weight,
                            lt_tensor *bias, const int64_t *stride, const int64_t *padding,
                            const int64_t *outpad, const int64_t *dilation, int64_t groups) {
  cconv c;
  geometry(&c, nsp, tr, input, weight, stride, padding, outpad, dilation, groups, false);
  int64_t size[5];
  int nd = output_shape(&c, nsp, input->ndim == nsp + 2, size);
  lt_device dev = c.ldev;
  if (lt_cudnn_handle(c.fn, c.dev, &c.h)) return NULL;
  lt_tensor *y = NULL, *x = NULL, *w = NULL, *b = NULL;
  int64_t ny = 1;
  for (int i = 0; i < nd; i++) ny *= size[i];
  bool empty = lt_tensor_numel(input) == 0 || lt_tensor_numel(weight) == 0;
  /* no terms to sum (no input channels): zeros (+ bias) */
  if (!(y = empty ? zeros_on(&c, nd, size) : lt_tensor_empty_on(c.ldt, nd, size, dev))) goto fail;
  if (ny == 0) return y;
  if (!(b = bias ? lt_contiguous(bias) : NULL) && bias) goto fail;
  if (bias_descs(&c)) goto fail;
  if (!empty) {
    if (!(x = lt_contiguous(input)) || !(w = lt_contiguous(weight)) || conv_descs(&c)) goto fail;
    if (tr ? run_pass(&c, PASS_BWD_DATA, lt_tensor_data(w), lt_tensor_data(x), lt_tensor_data(y))
           : run_pass(&c, PASS_FWD, lt_tensor_data(x), lt_tensor_data(w), lt_tensor_data(y)))
      goto fail;
  }
  if (b && add_bias(&c, b, nd - 1 - nsp, &y)) goto fail;
  lt_tensor_release(x);
  lt_tensor_release(w);
  lt_tensor_release(b);
  free_descs(&c);
  return y;
fail:
  lt_tensor_release(y);
  lt_tensor_release(x);
  lt_tensor_release(w);
  lt_tensor_release(b);
  free_descs(&c);
  return NULL;
}

static int cuda_conv_backward(int nsp, bool tr, lt_tensor *grad_output, lt_tensor *input,
                              lt_tensor *weight, const int64_t *stride, const int64_t *padding,
                              const int64_t *outpad, const int64_t *dilation, int64_t groups,
                              const bool *need, lt_tensor **gi, lt_tensor **gw, lt_tensor **gb) {
  cconv c;
  *gi = *gw = *gb = NULL;
  geometry(&c, nsp, tr, input, weight, stride, padding, outpad, dilation, groups, true);
  bool want[3];
  for (int i = 0; i < 3; i++) want[i] = !need || need[i];
  lt_device dev = c.ldev;
  if (lt_cudnn_handle(c.fn, c.dev, &c.h)) return -1;
  lt_tensor *x = NULL, *w = NULL, *gy = NULL;
  /* an empty input, weight or gradOutput: the input and weight gradients
   * sum no terms (zeros); the bias gradient still sums gradOutput */
  bool gy_empty = lt_tensor_numel(grad_output) == 0;
  bool empty = gy_empty || lt_tensor_numel(input) == 0 || lt_tensor_numel(weight) == 0;
  if (want[0] && !(*gi = empty ? zeros_on(&c, input->ndim, input->size)
                               : lt_tensor_empty_on(c.ldt, input->ndim, input->size, dev)))
    goto fail;
  if (want[1] && !(*gw = empty ? zeros_on(&c, weight->ndim, weight->size)
                               : lt_tensor_empty_on(c.ldt, weight->ndim, weight->size, dev)))
    goto fail;
  if (want[2] && !(*gb = gy_empty ? zeros_on(&c, 1, &c.Cout)
                                  : lt_tensor_empty_on(c.ldt, 1, &c.Cout, dev)))
    goto fail;
  bool conv = !empty && (want[0] || want[1]);
  if (!gy_empty && (conv || want[2])) {
    if (!(gy = lt_contiguous(grad_output)) || bias_descs(&c)) goto fail;
  }
  if (conv && (!(x = lt_contiguous(input)) || !(w = lt_contiguous(weight)) || conv_descs(&c)))
    goto fail;
  if (conv && want[0] &&
      (tr ? run_pass(&c, PASS_FWD, lt_tensor_data(gy), lt_tensor_data(w), lt_tensor_data(*gi))
          : run_pass(&c, PASS_BWD_DATA, lt_tensor_data(w), lt_tensor_data(gy),
                     lt_tensor_data(*gi))))
    goto fail;
  if (conv && want[1] &&
      (tr ? run_pass(&c, PASS_BWD_FILTER, lt_tensor_data(gy), lt_tensor_data(x),
                     lt_tensor_data(*gw))
          : run_pass(&c, PASS_BWD_FILTER, lt_tensor_data(x), lt_tensor_data(gy),
                     lt_tensor_data(*gw))))
    goto fail;
  if (want[2] && !gy_empty && is_low(&c)) {
    if (bias_grad_low(&c, gy, *gb)) goto fail;
  } else if (want[2] && !gy_empty) {
    float f[2];
    double d[2];
    cudnnStatus_t st = cudnnConvolutionBackwardBias(c.h, scal(&c, 1, f, d), c.outd,
                                                    lt_tensor_data(gy), scal(&c, 0, f + 1, d + 1),
                                                    c.bd, lt_tensor_data(*gb));
    if (st != CUDNN_STATUS_SUCCESS) {
      lt_cudnn_fail(c.fn, "cudnnConvolutionBackwardBias", st);
      goto fail;
    }
  }
  lt_tensor_release(x);
  lt_tensor_release(w);
  lt_tensor_release(gy);
  free_descs(&c);
  return 0;
fail:
  lt_tensor_release(*gi);
  lt_tensor_release(*gw);
  lt_tensor_release(*gb);
  *gi = *gw = *gb = NULL;
  lt_tensor_release(x);
  lt_tensor_release(w);
  lt_tensor_release(gy);
  free_descs(&c);
  return -1;
}

void lt_cuda_nn_conv_init(lt_device_nn_ops *t) {
  t->conv = cuda_conv;
  t->conv_backward = cuda_conv_backward;
}

#else /* built without cuDNN: convolutions of CUDA tensors report "not available" */
void lt_cuda_nn_conv_init(lt_device_nn_ops *t) { (void)t; }
#endif

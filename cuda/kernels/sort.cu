// Segmented sort: every row of a contiguous (rows, n) array sorted on its
// own, values and 0-based positions out; then the launcher.
//
// Order keys. Each element becomes an unsigned key whose integer order is
// the wanted order (lib/ops/sort.c): floats by their bits with the sign
// flipped (negatives: all bits flipped), -0.0 folded onto +0.0 (they
// compare equal on the CPU) and every NaN onto the largest key, so NaN
// comes after +inf; signed integers with the sign bit flipped; descending
// flips every key bit (NaN first, as on the CPU). Ties are broken by the
// position in the row, which makes both paths stable; values are read back
// from the input through the sorted positions, so -0.0 and NaN payloads
// come out as they went in.
//
// Rows up to kSmallMax elements: one block per row (grid-stride over rows)
// sorts (key, position) pairs in shared memory with a bitonic network,
// padded to a power of two with (max key, position >= n) pairs that sort
// after every real element. Longer rows: CUB's segmented radix sort of the
// keys with the positions as values (radix sort is stable), in chunks of
// rows whose element count fits CUB's int offsets.
#include <type_traits>

#include <cub/device/device_segmented_radix_sort.cuh>

#include "../sort_kernels.h"
#include "index.cuh"

namespace {

using namespace ltk;

constexpr int kSmallMax = 4096; // 4096 x (8-byte key + int) = 48 KiB of shared memory

template <typename T>
struct KeyOf {
  using type = uint32_t;
};
template <>
struct KeyOf<double> {
  using type = unsigned long long;
};
template <>
struct KeyOf<int64_t> {
  using type = unsigned long long;
};

template <typename T>
__host__ __device__ constexpr int key_bits() {
  return (int)sizeof(T) * 8; // bool: 8
}

template <typename T, typename K>
__device__ __forceinline__ K order_key(T v, bool desc) {
  K k, mask;
  if constexpr (key_bits<T>() == (int)sizeof(K) * 8) mask = ~K(0);
  else mask = (K(1) << key_bits<T>()) - 1;
  if constexpr (std::is_same<T, float>::value) {
    if (v != v) {
      k = ~K(0);
    } else {
      uint32_t u = __float_as_uint(v == 0.0f ? 0.0f : v);
      k = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    }
  } else if constexpr (std::is_same<T, double>::value) {
    if (v != v) {
      k = ~K(0);
    } else {
      K u = (K)__double_as_longlong(v == 0.0 ? 0.0 : v);
      const K sign = K(1) << 63;
      k = (u & sign) ? ~u : (u | sign);
    }
  } else if constexpr (std::is_same<T, bool>::value) {
    k = v ? 1 : 0;
  } else if constexpr (std::is_signed<T>::value) {
    using U = typename std::make_unsigned<T>::type;
    k = (K)(U)v ^ (K(1) << (key_bits<T>() - 1));
  } else {
    k = (K)v;
  }
  return desc ? (k ^ mask) : k;
}

// ---- short rows: a bitonic sort per block ----

template <typename T>
__global__ void sort_small(const T *__restrict__ x, T *__restrict__ yv, int64_t *__restrict__ yi,
                           int64_t rows, int n, int P, bool desc) {
  using K = typename KeyOf<T>::type;
  extern __shared__ unsigned long long smem_raw[]; // 8-byte aligned
  K *key = (K *)smem_raw;
  int *pos = (int *)(key + P);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *xr = x + r * n;
    for (int i = threadIdx.x; i < P; i += blockDim.x) {
      key[i] = i < n ? order_key<T, K>(xr[i], desc) : ~K(0);
      pos[i] = i;
    }
    __syncthreads();
    for (int k = 2; k <= P; k <<= 1)
      for (int j = k >> 1; j > 0; j >>= 1) {
        for (int t = threadIdx.x; t < P / 2; t += blockDim.x) {
          int a = 2 * t - (t & (j - 1)), b = a + j; // a has bit j clear
          K ka = key[a], kb = key[b];
          int pa = pos[a], pb = pos[b];
          bool a_after_b = ka > kb || (ka == kb && pa > pb);
          if (a_after_b == ((a & k) == 0)) { // ascending blocks where bit k of a is clear
            key[a] = kb;
            key[b] = ka;
            pos[a] = pb;
            pos[b] = pa;
          }
        }
        __syncthreads();
      }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      int p = pos[i];
      if (yv) yv[r * n + i] = xr[p];
      if (yi) yi[r * n + i] = p;
    }
    __syncthreads(); // the next row reuses the shared arrays
  }
}

// ---- long rows: CUB's segmented radix sort ----

template <typename T, typename K>
__global__ void make_keys(const T *__restrict__ x, K *__restrict__ key, int *__restrict__ pos,
                          int64_t m, int n, bool desc) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < m;
       i += (int64_t)gridDim.x * blockDim.x) {
    key[i] = order_key<T, K>(x[i], desc);
    pos[i] = (int)(i % n);
  }
}

__global__ void row_offsets(int *off, int64_t rows, int n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i <= rows;
       i += (int64_t)gridDim.x * blockDim.x)
    off[i] = (int)(i * n);
}

template <typename T>
__global__ void write_out(const T *__restrict__ x, const int *__restrict__ pos,
                          T *__restrict__ yv, int64_t *__restrict__ yi, int64_t m, int n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < m;
       i += (int64_t)gridDim.x * blockDim.x) {
    int p = pos[i];
    if (yv) yv[i] = x[(i / n) * n + p];
    if (yi) yi[i] = p;
  }
}

template <typename K>
cudaError_t cub_sort(void *temp, size_t &temp_bytes, const K *kin, K *kout, const int *pin,
                     int *pout, int64_t m, int64_t nseg, const int *off, int bits,
                     cudaStream_t s) {
  return cub::DeviceSegmentedRadixSort::SortPairs(temp, temp_bytes, kin, kout, pin, pout, (int)m,
                                                  (int)nseg, off, off + 1, 0, bits, s);
}

inline size_t align256(size_t b) { return (b + 255) & ~(size_t)255; }

template <typename T>
cudaError_t sort_large(const T *x, T *yv, int64_t *yi, int64_t rows, int64_t n, bool desc,
                       int dev, int sms, cudaStream_t s) {
  using K = typename KeyOf<T>::type;
  int64_t chunk = ((int64_t)1 << 28) / n; // rows per CUB call: at most 2^28 elements (or one row)
  if (chunk < 1) chunk = 1;
  if (chunk > rows) chunk = rows;
  int64_t m = chunk * n;
  size_t temp_bytes = 0;
  cudaError_t err = cub_sort<K>(nullptr, temp_bytes, (const K *)nullptr, (K *)nullptr,
                                (const int *)nullptr, (int *)nullptr, m, chunk,
                                (const int *)nullptr, key_bits<T>(), s);
  if (err != cudaSuccess) return err;
  size_t kb = align256(sizeof(K) * (size_t)m), pb = align256(sizeof(int) * (size_t)m),
         ob = align256(sizeof(int) * (size_t)(chunk + 1));
  size_t total = 2 * kb + 2 * pb + ob + align256(temp_bytes);
  char *base = (char *)lt_cuda_alloc(dev, total);
  if (!base) return cudaErrorMemoryAllocation;
  K *kin = (K *)base, *kout = (K *)(base + kb);
  int *pin = (int *)(base + 2 * kb), *pout = (int *)(base + 2 * kb + pb);
  int *off = (int *)(base + 2 * kb + 2 * pb);
  void *temp = base + 2 * kb + 2 * pb + ob;
  row_offsets<<<grid_for(chunk + 1, 1, sms), kThreads, 0, s>>>(off, chunk, (int)n);
  err = cudaGetLastError();
  for (int64_t r0 = 0; r0 < rows && err == cudaSuccess; r0 += chunk) {
    int64_t nr = rows - r0 < chunk ? rows - r0 : chunk, mr = nr * n;
    int nb = grid_for(mr, 1, sms);
    make_keys<T, K><<<nb, kThreads, 0, s>>>(x + r0 * n, kin, pin, mr, (int)n, desc);
    if ((err = cudaGetLastError()) != cudaSuccess) break;
    size_t tb = temp_bytes;
    err = cub_sort<K>(temp, tb, kin, kout, pin, pout, mr, nr, off, key_bits<T>(), s);
    if (err != cudaSuccess) break;
    write_out<T><<<nb, kThreads, 0, s>>>(x + r0 * n, pout, yv ? yv + r0 * n : nullptr,
                                         yi ? yi + r0 * n : nullptr, mr, (int)n);
    err = cudaGetLastError();
  }
  // the legacy default stream orders this free after the kernels above
  lt_cuda_free(dev, base, total);
  return err;
}

template <typename T>
cudaError_t sort_rows(const void *xv, void *yvv, int64_t *yi, int64_t rows, int64_t n, bool desc,
                      int dev, int sms, cudaStream_t s) {
  using K = typename KeyOf<T>::type;
  const T *x = (const T *)xv;
  T *yv = (T *)yvv;
  if (n > kSmallMax) return sort_large<T>(x, yv, yi, rows, n, desc, dev, sms, s);
  int P = 1;
  while (P < n) P <<= 1;
  int threads = P / 2 < 32 ? 32 : P / 2 > 512 ? 512 : P / 2;
  int64_t blocks = rows < (int64_t)(sms > 0 ? sms : 32) * 32 ? rows : (int64_t)(sms > 0 ? sms : 32) * 32;
  size_t shm = (size_t)P * (sizeof(K) + sizeof(int));
  sort_small<T><<<(unsigned)blocks, threads, shm, s>>>(x, yv, yi, rows, (int)n, P, desc);
  return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ltk_sort_rows(lt_dtype dt, const void *x, void *values, int64_t *indices,
                                     int64_t rows, int64_t n, int descending, int dev, int sms,
                                     cudaStream_t s) {
  if (rows <= 0 || n <= 0) return cudaSuccess;
  if (n > INT32_MAX) return cudaErrorInvalidValue;
  bool d = descending != 0;
  switch (dt) {
  case LT_FLOAT32: return sort_rows<float>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_FLOAT64: return sort_rows<double>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_INT64: return sort_rows<int64_t>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_INT32: return sort_rows<int32_t>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_INT16: return sort_rows<int16_t>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_INT8: return sort_rows<int8_t>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_UINT8: return sort_rows<uint8_t>(x, values, indices, rows, n, d, dev, sms, s);
  case LT_BOOL: return sort_rows<bool>(x, values, indices, rows, n, d, dev, sms, s);
  default: return cudaErrorInvalidValue;
  }
}

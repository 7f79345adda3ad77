// Winograd F(M x M, 3x3) convolution (M = 4 or 6), NHWC float32 (see winograd.h).
//
// Per block of output tiles (one thread each): the input tiles (N x N pixels,
// N = M + 2, zero outside the image) go through V = B^T d B into
// v[p][tile][c]; N^2 products m[p] = v[p] u[p] (tiles x c times c x k); the
// output tiles are Y = A^T m A, plus bias and activation, written into dst. Up to 256
// channels the block is sized so that v and m stay in the core's L2 cache
// while the products read u[p] (c x k floats) once per block; with 512
// channels blocks are larger, to read the N^2 u[p] less often (see conv3x3).
// All loops run on 16 channels at a time in AVX-512 registers.
#include "winograd.h"

#include "cpu.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#define NST_AVX512 __attribute__((target("avx512f")))

namespace nst::winograd {
namespace {

constexpr int kRows = 12;  // output rows of the product kernel (12 x 32 accumulators)

// The product kernel of the Winograd convolution and the Gram matrices: 32
// columns of R rows of m (row i at m + i * m_row) = (or +=, with add) the sum
// over q < n of a[i * a_row + q * a_step] times b[q * b_step .. + 32), in
// R x 2 AVX-512 accumulators. With pf, also prefetches pf_lines cache lines
// from pf on into L2, spread over the loop.
template <int R>
NST_AVX512 void tile(const float* a, int64_t a_row, int64_t a_step, const float* b, int64_t b_step, int64_t n,
                     float* m, int64_t m_row, bool add, const char* pf = nullptr, int64_t pf_lines = 0) {
  const int64_t pf_every = pf_lines > 0 ? std::max<int64_t>(1, n / pf_lines) : n + 1;
  int64_t pf_next = 0;
  __m512 acc[R][2];
  for (int i = 0; i < R; ++i) {
    acc[i][0] = add ? _mm512_loadu_ps(m + i * m_row) : _mm512_setzero_ps();
    acc[i][1] = add ? _mm512_loadu_ps(m + i * m_row + 16) : _mm512_setzero_ps();
  }
  for (int64_t q = 0; q < n; ++q) {
    if (q == pf_next && pf_lines > 0) {
      _mm_prefetch(pf, _MM_HINT_T1);
      pf += 64;
      --pf_lines;
      pf_next += pf_every;
    }
    const __m512 b0 = _mm512_loadu_ps(b + q * b_step), b1 = _mm512_loadu_ps(b + q * b_step + 16);
    for (int i = 0; i < R; ++i) {
      const __m512 x = _mm512_set1_ps(a[i * a_row + q * a_step]);
      acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < R; ++i) {
    _mm512_storeu_ps(m + i * m_row, acc[i][0]);
    _mm512_storeu_ps(m + i * m_row + 16, acc[i][1]);
  }
}

// tile<rows> for 1 <= rows <= R.
template <int R>
NST_AVX512 void tile_rows(int rows, const float* a, int64_t a_row, int64_t a_step, const float* b, int64_t b_step,
                          int64_t n, float* m, int64_t m_row, bool add, const char* pf = nullptr,
                          int64_t pf_lines = 0) {
  if (rows == R) tile<R>(a, a_row, a_step, b, b_step, n, m, m_row, add, pf, pf_lines);
  else if constexpr (R > 1) tile_rows<R - 1>(rows, a, a_row, a_step, b, b_step, n, m, m_row, add, pf, pf_lines);
}

// m (rows x k) = v (rows x c) u (c x k), k % 32 == 0, u in panels of 32
// columns: one panel at a time, for all rows (the panel stays in cache and is
// read sequentially; a 1.2-1.3x faster product than rows of k with 128 or
// more channels).
NST_AVX512 void product(const float* v, const float* u, float* m, int64_t rows, int64_t c, int64_t k) {
  // The panel after this one (the next tile position's first after the
  // last) is prefetched into L2 while this one is used, a share in each
  // pass of the kernel: read on demand, its first pass waited for memory.
  // (After the last panel of the last position this points past u: a
  // prefetch never faults.)
  const int64_t passes = (rows + kRows - 1) / kRows, lines = 32 * c * 4 / 64, share = (lines + passes - 1) / passes;
  for (int64_t j = 0; j < k; j += 32) {
    const float* panel = u + j * c;
    const char* next = reinterpret_cast<const char*>(panel + 32 * c);
    for (int64_t r = 0, i = 0; r < rows; r += kRows, ++i)
      tile_rows<kRows>(int(std::min<int64_t>(kRows, rows - r)), v + r * c, c, 1, panel, 32, c, m + r * k + j, k, false,
                       next + i * share * 64, std::min(share, lines - i * share));
  }
}

// The transforms of F(M x M, 3 x 3) on 16 channels at a time: N = M + 2
// input values per tile row; in: t = B^T d (N values), out: o = A^T m (M
// values); G (N x 3) transforms the kernels. Lavin & Gray's F(4x4, 3x3) and
// F(6x6, 3x3) with the points 0, +-1, +-2, +-1/2 (as NNPACK).
template <int M>
struct Tile;

template <>
struct Tile<4> {
  static constexpr int N = 6;
  static constexpr float G[6][3] = {{1.f / 4, 0, 0},
                                    {-1.f / 6, -1.f / 6, -1.f / 6},
                                    {-1.f / 6, 1.f / 6, -1.f / 6},
                                    {1.f / 24, 1.f / 12, 1.f / 6},
                                    {1.f / 24, -1.f / 12, 1.f / 6},
                                    {0, 0, 1}};
  NST_AVX512 static inline void in(const __m512 d[6], __m512 t[6]) {
    const __m512 four = _mm512_set1_ps(4.f), five = _mm512_set1_ps(5.f), two = _mm512_set1_ps(2.f);
    t[0] = _mm512_add_ps(_mm512_fmsub_ps(four, d[0], _mm512_mul_ps(five, d[2])), d[4]);
    const __m512 a = _mm512_add_ps(d[3], d[4]), b = _mm512_sub_ps(d[4], d[3]);
    t[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(d[1], d[2]), a);
    t[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(d[1], d[2]), b);
    const __m512 e = _mm512_sub_ps(d[4], d[2]), f = _mm512_sub_ps(d[1], d[3]);
    t[3] = _mm512_fnmadd_ps(two, f, e);
    t[4] = _mm512_fmadd_ps(two, f, e);
    t[5] = _mm512_add_ps(_mm512_fmsub_ps(four, d[1], _mm512_mul_ps(five, d[3])), d[5]);
  }
  NST_AVX512 static inline void out(const __m512 m[6], __m512 o[4]) {
    const __m512 a = _mm512_add_ps(m[1], m[2]), s = _mm512_sub_ps(m[1], m[2]);
    const __m512 b = _mm512_add_ps(m[3], m[4]), e = _mm512_sub_ps(m[3], m[4]);
    o[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), b);
    o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.f), e, s);
    o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.f), b, a);
    o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.f), e, s), m[5]);
  }
};

template <>
struct Tile<6> {
  static constexpr int N = 8;
  static constexpr float G[8][3] = {{1, 0, 0},
                                    {-2.f / 9, -2.f / 9, -2.f / 9},
                                    {-2.f / 9, 2.f / 9, -2.f / 9},
                                    {1.f / 90, 1.f / 45, 2.f / 45},
                                    {1.f / 90, -1.f / 45, 2.f / 45},
                                    {32.f / 45, 16.f / 45, 8.f / 45},
                                    {32.f / 45, -16.f / 45, 8.f / 45},
                                    {0, 0, 1}};
  NST_AVX512 static inline void in(const __m512 d[8], __m512 t[8]) {
    const __m512 c525 = _mm512_set1_ps(5.25f), c425 = _mm512_set1_ps(4.25f), c125 = _mm512_set1_ps(1.25f),
                 c25 = _mm512_set1_ps(2.5f), quarter = _mm512_set1_ps(0.25f), half = _mm512_set1_ps(0.5f),
                 two = _mm512_set1_ps(2.f), four = _mm512_set1_ps(4.f), five = _mm512_set1_ps(5.f);
    t[0] = _mm512_fmadd_ps(c525, _mm512_sub_ps(d[4], d[2]), _mm512_sub_ps(d[0], d[6]));
    t[7] = _mm512_fmadd_ps(c525, _mm512_sub_ps(d[3], d[5]), _mm512_sub_ps(d[7], d[1]));
    const __m512 a1 = _mm512_fnmadd_ps(c425, d[4], _mm512_add_ps(d[2], d[6]));
    const __m512 b1 = _mm512_fnmadd_ps(c425, d[3], _mm512_add_ps(d[1], d[5]));
    t[1] = _mm512_add_ps(a1, b1);
    t[2] = _mm512_sub_ps(a1, b1);
    const __m512 a2 = _mm512_fnmadd_ps(c125, d[4], _mm512_fmadd_ps(quarter, d[2], d[6]));
    const __m512 b2 = _mm512_fmadd_ps(two, d[5], _mm512_fnmadd_ps(c25, d[3], _mm512_mul_ps(half, d[1])));
    t[3] = _mm512_add_ps(a2, b2);
    t[4] = _mm512_sub_ps(a2, b2);
    const __m512 a3 = _mm512_fnmadd_ps(five, d[4], _mm512_fmadd_ps(four, d[2], d[6]));
    const __m512 b3 = _mm512_fmadd_ps(half, d[5], _mm512_fnmadd_ps(c25, d[3], _mm512_mul_ps(two, d[1])));
    t[5] = _mm512_add_ps(a3, b3);
    t[6] = _mm512_sub_ps(a3, b3);
  }
  NST_AVX512 static inline void out(const __m512 m[8], __m512 o[6]) {
    const __m512 a1 = _mm512_add_ps(m[1], m[2]), s1 = _mm512_sub_ps(m[1], m[2]);
    const __m512 a2 = _mm512_add_ps(m[3], m[4]), s2 = _mm512_sub_ps(m[3], m[4]);
    const __m512 a3 = _mm512_add_ps(m[5], m[6]), s3 = _mm512_sub_ps(m[5], m[6]);
    o[0] = _mm512_add_ps(_mm512_add_ps(m[0], a1), _mm512_add_ps(a2, a3));
    o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.f), s2, _mm512_fmadd_ps(_mm512_set1_ps(0.5f), s3, s1));
    o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.f), a2, _mm512_fmadd_ps(_mm512_set1_ps(0.25f), a3, a1));
    o[3] = _mm512_fmadd_ps(_mm512_set1_ps(8.f), s2, _mm512_fmadd_ps(_mm512_set1_ps(0.125f), s3, s1));
    o[4] = _mm512_fmadd_ps(_mm512_set1_ps(16.f), a2, _mm512_fmadd_ps(_mm512_set1_ps(0.0625f), a3, a1));
    o[5] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(32.f), s2, _mm512_fmadd_ps(_mm512_set1_ps(0.03125f), s3, s1)),
                         m[7]);
  }
};

struct Shape {
  int64_t h, w, c, k, tiles_w, tiles;
};

// Scratch of the calling thread, grown as needed (no page faults after the
// first call), 64-byte aligned: a vector's data is 16-byte aligned, and every
// 64-byte store into v and m then split over two cache lines (the input
// transform took 1.6x as long).
float* scratch(size_t floats) {
  thread_local std::vector<float> buf;
  if (buf.size() < floats + 16) buf.assign(floats + 16, 0.f);
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63));
}

// Tiles [t0, t0 + n) of the output, F(M x M, 3 x 3).
template <int M>
NST_AVX512 void run_block(const Shape& s, const float* src, const float* u, const float* bias, bool activate,
                          float alpha, float* dst, const Masks& masks, int64_t t0, int64_t n, int64_t block) {
  constexpr int N = Tile<M>::N, P = N * N;  // input tile size, tile positions
  const int64_t c = s.c, k = s.k;
  // Tile position p's rows start 64 bytes past a multiple of the block's
  // size, so that the P rows of one tile do not all fall into the same L1
  // cache set when a block's size is a multiple of 4 KB.
  const int64_t vs = block * c + 16, ms = block * k + 16;
  float* v = scratch(size_t(P) * (vs + ms) + c);
  float* m = v + P * vs;
  float* zero = m + P * ms;  // c zeros: the padding
  std::fill(zero, zero + c, 0.f);
  for (int64_t t = 0; t < n; ++t) {
    const int64_t ty = (t0 + t) / s.tiles_w, tx = (t0 + t) % s.tiles_w;
    const float* px[N][N];
    const uint8_t* mx[N][N];  // with masks.src: the pixels' mask bytes (padding: zeros)
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        const int64_t y = ty * M - 1 + i, x = tx * M - 1 + j;
        const bool in = y >= 0 && y < s.h && x >= 0 && x < s.w;
        px[i][j] = in ? src + (y * s.w + x) * c : zero;
        mx[i][j] = in && masks.src ? masks.src + (y * s.w + x) * c : reinterpret_cast<const uint8_t*>(zero);
      }
    const __m512 src_alpha = _mm512_set1_ps(masks.src_alpha);
    for (int64_t q = 0; q < c; q += 16) {
      __m512 tmp[N][N];  // tmp[i][j] = (B^T d)[i][j]
      for (int j = 0; j < N; ++j) {
        __m512 d[N], r[N];
        for (int i = 0; i < N; ++i) d[i] = _mm512_loadu_ps(px[i][j] + q);
        if (masks.src)  // d where the mask is set, src_alpha d elsewhere
          for (int i = 0; i < N; ++i) {
            const __m128i b8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mx[i][j] + q));
            const __m512i bytes = _mm512_maskz_cvtepu8_epi32(0xffff, b8);
            d[i] = _mm512_mask_mov_ps(_mm512_mul_ps(d[i], src_alpha), _mm512_test_epi32_mask(bytes, bytes), d[i]);
          }
        Tile<M>::in(d, r);
        for (int i = 0; i < N; ++i) tmp[i][j] = r[i];
      }
      for (int i = 0; i < N; ++i) {
        __m512 r[N];
        Tile<M>::in(tmp[i], r);
        for (int j = 0; j < N; ++j) _mm512_storeu_ps(v + (i * N + j) * vs + t * c + q, r[j]);
      }
    }
  }
  for (int p = 0; p < P; ++p) product(v + p * vs, u + p * c * k, m + p * ms, n, c, k);
  const __m512 a = _mm512_set1_ps(alpha);
  for (int64_t t = 0; t < n; ++t) {
    const int64_t ty = (t0 + t) / s.tiles_w, tx = (t0 + t) % s.tiles_w;
    const int64_t rows = std::min<int64_t>(M, s.h - ty * M), cols = std::min<int64_t>(M, s.w - tx * M);
    for (int64_t q = 0; q < k; q += 16) {
      const __m512 b = bias ? _mm512_loadu_ps(bias + q) : _mm512_setzero_ps();
      __m512 tmp[M][N];  // (A^T m)[r][j]
      for (int j = 0; j < N; ++j) {
        __m512 mm[N], o[M];
        for (int i = 0; i < N; ++i) mm[i] = _mm512_loadu_ps(m + (i * N + j) * ms + t * k + q);
        Tile<M>::out(mm, o);
        for (int r = 0; r < M; ++r) tmp[r][j] = o[r];
      }
      for (int r = 0; r < rows; ++r) {
        __m512 o[M];
        Tile<M>::out(tmp[r], o);
        const int64_t at = ((ty * M + r) * s.w + tx * M) * k + q;
        for (int x = 0; x < cols; ++x) {
          __m512 y = _mm512_add_ps(o[x], b);
          if (activate) y = _mm512_mask_mul_ps(y, _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_LT_OQ), y, a);
          _mm512_storeu_ps(dst + at + x * k, y);
          if (masks.dst) {  // 1 where y > 0, else 0
            const __m512i one = _mm512_maskz_set1_epi32(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ), 1);
            _mm512_mask_cvtepi32_storeu_epi8(masks.dst + at + x * k, 0xffff, one);
          }
        }
      }
    }
  }
}

}  // namespace

bool available() { return cpu::has_avx512(); }

bool supports(int64_t in_channels, int64_t out_channels) {
  return in_channels > 0 && in_channels % 16 == 0 && out_channels > 0 && out_channels % 32 == 0;
}

namespace {

// u from g (c, 9, k), for input channels [i0, i1): U = G g G^T for each
// channel pair; for each tile position p, k / 32 panels of c rows of 32
// output channels, u[p][o / 32][i][o % 32].
template <int M>
NST_AVX512 void expand(const float* g, int64_t c, int64_t k, int64_t i0, int64_t i1, float* u) {
  constexpr int N = Tile<M>::N;
  const bool stream = reinterpret_cast<uintptr_t>(u) % 64 == 0;
  const auto& G = Tile<M>::G;
  std::vector<float> t(size_t(N) * 3 * k);  // (G g)[r][j] for all k
  for (int64_t i = i0; i < i1; ++i) {
    const float* gi = g + i * 9 * k;
    for (int r = 0; r < N; ++r)
      for (int j = 0; j < 3; ++j) {
        const float a = G[r][0], b = G[r][1], d = G[r][2];
        float* tr = t.data() + (r * 3 + j) * k;
        for (int64_t o = 0; o < k; ++o) tr[o] = a * gi[j * k + o] + b * gi[(3 + j) * k + o] + d * gi[(6 + j) * k + o];
      }
    for (int r = 0; r < N; ++r)
      for (int j = 0; j < N; ++j) {
        const float a = G[j][0], b = G[j][1], d = G[j][2];
        const float *t0 = t.data() + (r * 3) * k, *t1 = t0 + k, *t2 = t1 + k;
        const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), vd = _mm512_set1_ps(d);
        for (int64_t o = 0; o < k; o += 16) {
          float* ur = u + (r * N + j) * c * k + o / 32 * 32 * c + i * 32 + o % 32;  // panel o / 32, row i
          const __m512 y = _mm512_fmadd_ps(
              vd, _mm512_loadu_ps(t2 + o),
              _mm512_fmadd_ps(vb, _mm512_loadu_ps(t1 + o), _mm512_mul_ps(va, _mm512_loadu_ps(t0 + o))));
          // Where u is 64-byte aligned (the per-call u of compact weights, from the step's
          // arena), stores that bypass the caches: no read of each line before it is
          // overwritten (38 MB for 512 x 512 channels; 512 px step 2.5-4.5 % faster).
          if (stream) _mm512_stream_ps(ur, y);
          else _mm512_storeu_ps(ur, y);
        }
      }
  }
  if (stream) _mm_sfence();  // visible before the threads meet again
}

// All of u, on ATen's threads.
void expand_all(const std::vector<float>& g, int64_t c, int64_t k, int tile, float* u) {
  at::parallel_for(0, c, 16, [&](int64_t i0, int64_t i1) {
    if (tile == 6) expand<6>(g.data(), c, k, i0, i1, u);
    else expand<4>(g.data(), c, k, i0, i1, u);
  });
}

size_t positions(int tile) { return size_t(tile + 2) * (tile + 2); }

}  // namespace

Weights transform(const float* oihw, int64_t k, int64_t c, bool compact, int tile) {
  if (tile == 0) tile = preferred_tile(c, k);
  if (tile != 4 && tile != 6) throw std::invalid_argument("winograd::transform: tile must be 4 or 6");
  Weights out;
  out.c = c;
  out.k = k;
  out.tile = tile;
  std::vector<float> g(size_t(9) * c * k);
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < c; ++i)
      for (int r = 0; r < 9; ++r) g[(i * 9 + r) * k + o] = oihw[(o * c + i) * 9 + r];
  if (compact) {
    out.g = std::move(g);
  } else {
    out.u.resize(positions(tile) * c * k);
    expand_all(g, c, k, tile, out.u.data());
  }
  return out;
}

void conv3x3(const float* src, int64_t h, int64_t w, const Weights& weights, const float* bias, bool activate,
             float alpha, float* dst, const Masks& masks) {
  if (!available() || !supports(weights.c, weights.k) || h < 1 || w < 1 || (weights.tile != 4 && weights.tile != 6) ||
      (weights.u.empty() && weights.g.size() != size_t(9) * weights.c * weights.k))
    throw std::invalid_argument("winograd::conv3x3: unsupported CPU or shape");
  at::Tensor expanded;  // compact weights: transformed for this call
  const float* u = weights.u.data();
  if (weights.u.empty()) {
    expanded = at::empty({int64_t(positions(weights.tile)) * weights.c * weights.k});
    expand_all(weights.g, weights.c, weights.k, weights.tile, expanded.data_ptr<float>());
    u = expanded.data_ptr<float>();
  }
  const int tile = weights.tile;
  Shape s{h, w, weights.c, weights.k, (w + tile - 1) / tile, 0};
  s.tiles = s.tiles_w * ((h + tile - 1) / tile);
  // Tiles per block, measured with bench/winograd_bench on VGG-19's layers.
  // F(4x4), up to 256 + 256 channels: 24 (two passes of the product kernel's 12 rows)
  // beat 12-56 and 96: v and m of a block, 36 x 24 x (c + k) floats, stay
  // within a core's 2 MB L2 cache. With 512 channels the products re-read
  // 36 c k weights (up to 38 MB) per block, and 96 tiles beat 24 (2x);
  // 192 beat 96 by 8-11 % on the 64x64 px layers (2 blocks of 128 instead of
  // 4 of 64; session 6, three alternating runs) and was as fast at 128x128
  // (128 was slower there), for 14 MB more scratch per thread.
  // F(6x6, 3x3) (up to 256 + 256 channels, see preferred_tile): 24 as
  // well; 8-16 and 36 were no faster (session 7), though v and m then take
  // 64 x 24 x (c + k) floats, 3 MB with 256 + 256 channels.
  // The same number of blocks for every thread.
  const int64_t threads = std::max(1, at::get_num_threads()), per_block = s.c + s.k <= 512 ? 24 : 192;
  int64_t blocks = (s.tiles + per_block - 1) / per_block;
  blocks = (blocks + threads - 1) / threads * threads;
  const int64_t block = (s.tiles + blocks - 1) / blocks;
  blocks = (s.tiles + block - 1) / block;
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t t0 = b * block;
      const int64_t n = std::min(block, s.tiles - t0);
      if (tile == 6) run_block<6>(s, src, u, bias, activate, alpha, dst, masks, t0, n, block);
      else run_block<4>(s, src, u, bias, activate, alpha, dst, masks, t0, n, block);
    }
  });
}

}  // namespace nst::winograd

namespace nst::gram {

using winograd::kRows;
using winograd::tile_rows;

bool supports(int64_t channels) { return winograd::available() && channels >= 32 && channels % 32 == 0; }

void features_gram(const float* f, int64_t rows, int64_t c, float scale, float* g) {
  if (!supports(c) || rows < 1) throw std::invalid_argument("gram::features_gram: unsupported CPU or shape");
  // Each thread sums its share of the rows into its own c x c matrix, in
  // pieces of 256 rows (in L2 with 512 channels), the blocks on and above
  // the diagonal only (G is symmetric); then the shares are added up.
  const int64_t threads = std::max(1, at::get_num_threads()), piece = 256;
  std::vector<float> part(size_t(threads) * c * c, 0.f);
  at::parallel_for(0, threads, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* gt = part.data() + t * c * c;
      const int64_t r0 = rows * t / threads, r1 = rows * (t + 1) / threads;
      for (int64_t p = r0; p < r1; p += piece) {
        const int64_t n = std::min(piece, r1 - p);
        const float* fp = f + p * c;
        for (int64_t i = 0; i < c; i += kRows)
          for (int64_t j = i / 32 * 32; j < c; j += 32)
            tile_rows<kRows>(int(std::min<int64_t>(kRows, c - i)), fp + i, 1, c, fp + j, c, n, gt + i * c + j, c,
                             true);
      }
    }
  });
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = i; j < c; ++j) {
      float sum = 0.f;
      for (int64_t t = 0; t < threads; ++t) sum += part[(t * c + i) * c + j];
      g[i * c + j] = g[j * c + i] = sum * scale;
    }
}

void add_gram_gradient(const float* f, int64_t rows, int64_t c, const float* k, float* d) {
  if (!supports(c) || rows < 1) throw std::invalid_argument("gram::add_gram_gradient: unsupported CPU or shape");
  std::vector<float> panels(size_t(c) * c);  // k in panels of 32 columns, as the Winograd weights
  for (int64_t j = 0; j < c; j += 32)
    for (int64_t i = 0; i < c; ++i) std::copy(k + i * c + j, k + i * c + j + 32, panels.data() + j * c + i * 32);
  at::parallel_for(0, (rows + kRows - 1) / kRows, 16, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r = b * kRows;
      for (int64_t j = 0; j < c; j += 32)
        tile_rows<kRows>(int(std::min<int64_t>(kRows, rows - r)), f + r * c, c, 1, panels.data() + j * c, 32, c,
                         d + r * c + j, c, true);
    }
  });
}

}  // namespace nst::gram


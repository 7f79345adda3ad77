// Winograd F(M x M, 3x3) convolution (M = 4 or 6), NHWC float32 (see
// winograd.h), and the Gram matrices on the same product kernel.
//
// Per block of output tiles (one thread each): the input tiles (N x N pixels,
// N = M + 2, zero outside the image) go through V = B^T d B into
// v[p][tile][c]; N^2 products m[p] = v[p] u[p] (tiles x c times c x k); the
// output tiles are Y = A^T m A, plus bias and activation, written into dst.
// Up to 256 channels the block is sized so that v and m stay in the core's L2
// cache while the products read u[p] (c x k floats) once per block; with 512
// channels blocks are larger, to read the N^2 u[p] less often (see conv3x3).
//
// One source for every CPU: Google Highway compiles the code between
// HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE once per SIMD target (SSE4,
// AVX2, AVX-512, NEON, ...; foreach_target.h re-includes this file) and
// HWY_DYNAMIC_DISPATCH calls the best one the CPU has (capped as cpu.h says).
// Vectors hold up to 16 floats (CappedTag): the channel counts the kernels
// take (winograd::supports) are multiples of every width.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "winograd.cpp"
// Scalable vectors (SVE, RVV) cannot be kept in arrays, as the kernels keep
// their accumulators; on such CPUs the NEON (or SSE) code runs.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/cache_control.h>

#include "cpu.h"
#include "winograd.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#ifndef NST_WINOGRAD_SHARED_DEFS
#define NST_WINOGRAD_SHARED_DEFS
namespace nst::winograd {
namespace {

// k: the columns of the transformed weights and of the products (the output
// channels padded to whole 32-column panels); ko: the output's channels.
struct Shape {
  int64_t h, w, c, k, ko, tiles_w, tiles;
};

// Output channels in whole panels of 32 (16 output channels: one panel with
// 16 zero columns; the products do twice the work they need, but the output
// transform and the stores only the real channels).
int64_t panel_columns(int64_t k) { return (k + 31) / 32 * 32; }

// Scratch of the calling thread, grown as needed (no page faults after the
// first call), 64-byte aligned: a vector's data is 16-byte aligned, and every
// 64-byte store into v and m then split over two cache lines (the input
// transform took 1.6x as long).
float* scratch(size_t floats) {
  thread_local std::vector<float> buf;
  if (buf.size() < floats + 16) buf.assign(floats + 16, 0.f);
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63));
}

}  // namespace
}  // namespace nst::winograd
#endif  // NST_WINOGRAD_SHARED_DEFS

HWY_BEFORE_NAMESPACE();
namespace nst::winograd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::CappedTag<float, 16>;
using V = hn::Vec<D>;

// Rows of the product kernel: R rows x 2 vectors of accumulators, plus the
// two vectors of b and a broadcast, in the target's registers (32 with
// AVX-512 and NEON, 16 with AVX2 and SSE4: 12 x 2 or 6 x 2).
#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3) || HWY_ARCH_ARM
constexpr int kRows = 12;
#else
constexpr int kRows = 6;
#endif

// Prefetch into L2 (x86 prefetcht1, ARM pldl2keep): read soon, not at once.
HWY_INLINE void prefetch_l2(const char* p) { __builtin_prefetch(p, 0, 2); }

// The product kernel of the Winograd convolution and the Gram matrices:
// 2 L columns (L = the vector's lanes) of R rows of m (row i at m + i * m_row)
// = (or +=, with add) the sum over q < n of a[i * a_row + q * a_step] times
// b[q * b_step .. + 2 L), in R x 2 vector accumulators. With pf, also
// prefetches pf_lines cache lines from pf on into L2, spread over the loop.
template <int R>
HWY_INLINE void tile(const float* a, int64_t a_row, int64_t a_step, const float* b, int64_t b_step, int64_t n,
                     float* m, int64_t m_row, bool add, const char* pf, int64_t pf_lines) {
  const D d;
  const size_t L = hn::Lanes(d);
  const int64_t pf_every = pf_lines > 0 ? std::max<int64_t>(1, n / pf_lines) : n + 1;
  int64_t pf_next = 0;
  V acc[R][2];
  for (int i = 0; i < R; ++i) {
    acc[i][0] = add ? hn::LoadU(d, m + i * m_row) : hn::Zero(d);
    acc[i][1] = add ? hn::LoadU(d, m + i * m_row + L) : hn::Zero(d);
  }
  for (int64_t q = 0; q < n; ++q) {
    if (q == pf_next && pf_lines > 0) {
      prefetch_l2(pf);
      pf += 64;
      --pf_lines;
      pf_next += pf_every;
    }
    const V b0 = hn::LoadU(d, b + q * b_step), b1 = hn::LoadU(d, b + q * b_step + L);
    for (int i = 0; i < R; ++i) {
      const V x = hn::Set(d, a[i * a_row + q * a_step]);
      acc[i][0] = hn::MulAdd(x, b0, acc[i][0]);
      acc[i][1] = hn::MulAdd(x, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < R; ++i) {
    hn::StoreU(acc[i][0], d, m + i * m_row);
    hn::StoreU(acc[i][1], d, m + i * m_row + L);
  }
}

// tile<rows> for 1 <= rows <= R.
template <int R>
HWY_INLINE void tile_rows(int rows, const float* a, int64_t a_row, int64_t a_step, const float* b, int64_t b_step,
                          int64_t n, float* m, int64_t m_row, bool add, const char* pf = nullptr,
                          int64_t pf_lines = 0) {
  if (rows == R) tile<R>(a, a_row, a_step, b, b_step, n, m, m_row, add, pf, pf_lines);
  else if constexpr (R > 1) tile_rows<R - 1>(rows, a, a_row, a_step, b, b_step, n, m, m_row, add, pf, pf_lines);
}

// 32 columns of kRows rows (or fewer) of m: the kernel once (AVX-512: 2 x 16
// lanes) or for each 2 L of them (AVX2: 2 x 8, twice); pf_lines split between the calls.
HWY_INLINE void panel_rows(int rows, const float* a, int64_t a_row, int64_t a_step, const float* b, int64_t b_step,
                           int64_t n, float* m, int64_t m_row, bool add, const char* pf = nullptr,
                           int64_t pf_lines = 0) {
  const int64_t cols = 2 * int64_t(hn::Lanes(D())), parts = 32 / cols;
  const int64_t share = (pf_lines + parts - 1) / parts;
  for (int64_t s = 0; s < 32; s += cols) {
    const int64_t lines = std::max<int64_t>(0, std::min(share, pf_lines));
    tile_rows<kRows>(rows, a, a_row, a_step, b + s, b_step, n, m + s, m_row, add, pf, lines);
    if (pf) pf += lines * 64;
    pf_lines -= lines;
  }
}

// m (rows x k) = v (rows x c) u (c x k), k % 32 == 0, u in panels of 32
// columns: one panel at a time, for all rows (the panel stays in cache and is
// read sequentially; a 1.2-1.3x faster product than rows of k with 128 or
// more channels).
HWY_INLINE void product(const float* v, const float* u, float* m, int64_t rows, int64_t c, int64_t k) {
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
      panel_rows(int(std::min<int64_t>(kRows, rows - r)), v + r * c, c, 1, panel, 32, c, m + r * k + j, k, false,
                 next + i * share * 64, std::max<int64_t>(0, std::min(share, lines - i * share)));
  }
}

// The transforms of F(M x M, 3 x 3) on one vector of channels at a time: N =
// M + 2 input values per tile row; in: t = B^T d (N values), out: o = A^T m (M
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
  static HWY_INLINE void in(const V d[6], V t[6]) {
    const D df;
    const V four = hn::Set(df, 4.f), five = hn::Set(df, 5.f), two = hn::Set(df, 2.f);
    t[0] = hn::Add(hn::MulSub(four, d[0], hn::Mul(five, d[2])), d[4]);
    const V a = hn::Add(d[3], d[4]), b = hn::Sub(d[4], d[3]);
    t[1] = hn::NegMulAdd(four, hn::Add(d[1], d[2]), a);
    t[2] = hn::MulAdd(four, hn::Sub(d[1], d[2]), b);
    const V e = hn::Sub(d[4], d[2]), f = hn::Sub(d[1], d[3]);
    t[3] = hn::NegMulAdd(two, f, e);
    t[4] = hn::MulAdd(two, f, e);
    t[5] = hn::Add(hn::MulSub(four, d[1], hn::Mul(five, d[3])), d[5]);
  }
  static HWY_INLINE void out(const V m[6], V o[4]) {
    const D df;
    const V a = hn::Add(m[1], m[2]), s = hn::Sub(m[1], m[2]);
    const V b = hn::Add(m[3], m[4]), e = hn::Sub(m[3], m[4]);
    o[0] = hn::Add(hn::Add(m[0], a), b);
    o[1] = hn::MulAdd(hn::Set(df, 2.f), e, s);
    o[2] = hn::MulAdd(hn::Set(df, 4.f), b, a);
    o[3] = hn::Add(hn::MulAdd(hn::Set(df, 8.f), e, s), m[5]);
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
  static HWY_INLINE void in(const V d[8], V t[8]) {
    const D df;
    const V c525 = hn::Set(df, 5.25f), c425 = hn::Set(df, 4.25f), c125 = hn::Set(df, 1.25f),
                 c25 = hn::Set(df, 2.5f), quarter = hn::Set(df, 0.25f), half = hn::Set(df, 0.5f),
                 two = hn::Set(df, 2.f), four = hn::Set(df, 4.f), five = hn::Set(df, 5.f);
    t[0] = hn::MulAdd(c525, hn::Sub(d[4], d[2]), hn::Sub(d[0], d[6]));
    t[7] = hn::MulAdd(c525, hn::Sub(d[3], d[5]), hn::Sub(d[7], d[1]));
    const V a1 = hn::NegMulAdd(c425, d[4], hn::Add(d[2], d[6]));
    const V b1 = hn::NegMulAdd(c425, d[3], hn::Add(d[1], d[5]));
    t[1] = hn::Add(a1, b1);
    t[2] = hn::Sub(a1, b1);
    const V a2 = hn::NegMulAdd(c125, d[4], hn::MulAdd(quarter, d[2], d[6]));
    const V b2 = hn::MulAdd(two, d[5], hn::NegMulAdd(c25, d[3], hn::Mul(half, d[1])));
    t[3] = hn::Add(a2, b2);
    t[4] = hn::Sub(a2, b2);
    const V a3 = hn::NegMulAdd(five, d[4], hn::MulAdd(four, d[2], d[6]));
    const V b3 = hn::MulAdd(half, d[5], hn::NegMulAdd(c25, d[3], hn::Mul(two, d[1])));
    t[5] = hn::Add(a3, b3);
    t[6] = hn::Sub(a3, b3);
  }
  static HWY_INLINE void out(const V m[8], V o[6]) {
    const D df;
    const V a1 = hn::Add(m[1], m[2]), s1 = hn::Sub(m[1], m[2]);
    const V a2 = hn::Add(m[3], m[4]), s2 = hn::Sub(m[3], m[4]);
    const V a3 = hn::Add(m[5], m[6]), s3 = hn::Sub(m[5], m[6]);
    o[0] = hn::Add(hn::Add(m[0], a1), hn::Add(a2, a3));
    o[1] = hn::MulAdd(hn::Set(df, 2.f), s2, hn::MulAdd(hn::Set(df, 0.5f), s3, s1));
    o[2] = hn::MulAdd(hn::Set(df, 4.f), a2, hn::MulAdd(hn::Set(df, 0.25f), a3, a1));
    o[3] = hn::MulAdd(hn::Set(df, 8.f), s2, hn::MulAdd(hn::Set(df, 0.125f), s3, s1));
    o[4] = hn::MulAdd(hn::Set(df, 16.f), a2, hn::MulAdd(hn::Set(df, 0.0625f), a3, a1));
    o[5] = hn::Add(hn::MulAdd(hn::Set(df, 32.f), s2, hn::MulAdd(hn::Set(df, 0.03125f), s3, s1)),
                         m[7]);
  }
};

// Tiles [t0, t0 + n) of the output, F(M x M, 3 x 3).
template <int M>
HWY_INLINE void run_block(const Shape& s, const float* src, const float* u, const float* bias, bool activate,
                          float alpha, float* dst, const Masks& masks, int64_t t0, int64_t n, int64_t block) {
  constexpr int N = Tile<M>::N, P = N * N;  // input tile size, tile positions
  const D d;
  const int64_t L = int64_t(hn::Lanes(d));
  const hn::Rebind<uint8_t, D> d8;
  const hn::RebindToSigned<D> di;
  const hn::RebindToUnsigned<D> du;
  const int64_t c = s.c, k = s.k, ko = s.ko;
  // Tile position p's rows start 64 bytes past a multiple of the block's
  // size, so that the P rows of one tile do not all fall into the same L1
  // cache set when a block's size is a multiple of 4 KB.
  const int64_t vs = block * c + 16, ms = block * k + 16;
  float* v = scratch(size_t(P) * (vs + ms) + c);
  float* m = v + P * vs;
  float* zero = m + P * ms;  // c zeros: the padding
  std::fill(zero, zero + c, 0.f);
  const V src_alpha = hn::Set(d, masks.src_alpha);
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
    for (int64_t q = 0; q < c; q += L) {
      V tmp[N][N];  // tmp[i][j] = (B^T d)[i][j]
      for (int j = 0; j < N; ++j) {
        V dv[N], r[N];
        for (int i = 0; i < N; ++i) dv[i] = hn::LoadU(d, px[i][j] + q);
        if (masks.src)  // d where the mask is set, src_alpha d elsewhere
          for (int i = 0; i < N; ++i) {
            const auto bytes = hn::PromoteTo(du, hn::LoadU(d8, mx[i][j] + q));
            dv[i] = hn::IfThenElse(hn::RebindMask(d, hn::Ne(bytes, hn::Zero(du))), dv[i], hn::Mul(dv[i], src_alpha));
          }
        Tile<M>::in(dv, r);
        for (int i = 0; i < N; ++i) tmp[i][j] = r[i];
      }
      for (int i = 0; i < N; ++i) {
        V r[N];
        Tile<M>::in(tmp[i], r);
        for (int j = 0; j < N; ++j) hn::StoreU(r[j], d, v + (i * N + j) * vs + t * c + q);
      }
    }
  }
  for (int p = 0; p < P; ++p) product(v + p * vs, u + p * c * k, m + p * ms, n, c, k);
  const V a = hn::Set(d, alpha), zv = hn::Zero(d);
  const auto one = hn::Set(di, 1);
  for (int64_t t = 0; t < n; ++t) {
    const int64_t ty = (t0 + t) / s.tiles_w, tx = (t0 + t) % s.tiles_w;
    const int64_t rows = std::min<int64_t>(M, s.h - ty * M), cols = std::min<int64_t>(M, s.w - tx * M);
    for (int64_t q = 0; q < ko; q += L) {
      const V b = bias ? hn::LoadU(d, bias + q) : hn::Zero(d);
      V tmp[M][N];  // (A^T m)[r][j]
      for (int j = 0; j < N; ++j) {
        V mm[N], o[M];
        for (int i = 0; i < N; ++i) mm[i] = hn::LoadU(d, m + (i * N + j) * ms + t * k + q);
        Tile<M>::out(mm, o);
        for (int r = 0; r < M; ++r) tmp[r][j] = o[r];
      }
      for (int r = 0; r < rows; ++r) {
        V o[M];
        Tile<M>::out(tmp[r], o);
        const int64_t at = ((ty * M + r) * s.w + tx * M) * ko + q;
        for (int x = 0; x < cols; ++x) {
          V y = hn::Add(o[x], b);
          if (activate) y = hn::IfThenElse(hn::Lt(y, zv), hn::Mul(y, a), y);
          hn::StoreU(y, d, dst + at + x * ko);
          if (masks.dst)  // 1 where y > 0, else 0
            hn::StoreU(hn::DemoteTo(d8, hn::IfThenElseZero(hn::RebindMask(di, hn::Gt(y, zv)), one)), d8,
                       masks.dst + at + x * ko);
        }
      }
    }
  }
}

// Output tile blocks [b0, b1) of `block` tiles each.
void conv_blocks(const Shape& s, const float* src, const float* u, const float* bias, bool activate, float alpha,
                 float* dst, const Masks& masks, int tile, int64_t b0, int64_t b1, int64_t block) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t t0 = b * block, n = std::min(block, s.tiles - t0);
    if (tile == 6) run_block<6>(s, src, u, bias, activate, alpha, dst, masks, t0, n, block);
    else run_block<4>(s, src, u, bias, activate, alpha, dst, masks, t0, n, block);
  }
}

// u from g (c, 9, k), for input channels [i0, i1): U = G g G^T for each
// channel pair; for each tile position p, k / 32 panels of c rows of 32
// output channels, u[p][o / 32][i][o % 32].
template <int M>
HWY_INLINE void expand_tile(const float* g, int64_t c, int64_t k, int64_t i0, int64_t i1, float* u) {
  constexpr int N = Tile<M>::N;
  const D d;
  const int64_t L = int64_t(hn::Lanes(d));
  const bool stream = reinterpret_cast<uintptr_t>(u) % 64 == 0;
  const auto& G = Tile<M>::G;
  std::vector<float> t(size_t(N) * 3 * k);  // (G g)[r][j] for all k
  for (int64_t i = i0; i < i1; ++i) {
    const float* gi = g + i * 9 * k;
    for (int r = 0; r < N; ++r)
      for (int j = 0; j < 3; ++j) {
        const float a = G[r][0], b = G[r][1], e = G[r][2];
        float* tr = t.data() + (r * 3 + j) * k;
        for (int64_t o = 0; o < k; ++o) tr[o] = a * gi[j * k + o] + b * gi[(3 + j) * k + o] + e * gi[(6 + j) * k + o];
      }
    for (int r = 0; r < N; ++r)
      for (int j = 0; j < N; ++j) {
        const float *t0 = t.data() + (r * 3) * k, *t1 = t0 + k, *t2 = t1 + k;
        const V va = hn::Set(d, G[j][0]), vb = hn::Set(d, G[j][1]), ve = hn::Set(d, G[j][2]);
        for (int64_t o = 0; o < k; o += L) {
          float* ur = u + (r * N + j) * c * k + o / 32 * 32 * c + i * 32 + o % 32;  // panel o / 32, row i
          const V y = hn::MulAdd(ve, hn::LoadU(d, t2 + o), hn::MulAdd(vb, hn::LoadU(d, t1 + o), hn::Mul(va, hn::LoadU(d, t0 + o))));
          // Where u is 64-byte aligned (the per-call u of compact weights, from the step's
          // arena), stores that bypass the caches: no read of each line before it is
          // overwritten (38 MB for 512 x 512 channels; 512 px step 2.5-4.5 % faster).
          if (stream) hn::Stream(y, d, ur);
          else hn::StoreU(y, d, ur);
        }
      }
  }
  if (stream) hwy::FlushStream();  // visible before the threads meet again
}

void expand(const float* g, int64_t c, int64_t k, int tile, int64_t i0, int64_t i1, float* u) {
  if (tile == 6) expand_tile<6>(g, c, k, i0, i1, u);
  else expand_tile<4>(g, c, k, i0, i1, u);
}

// gt (c x c) += the Gram blocks on and above the diagonal of rows [r0, r1)
// of f (rows x c), in pieces of 256 rows (in L2 with 512 channels).
void gram_rows(const float* f, int64_t r0, int64_t r1, int64_t c, float* gt) {
  constexpr int64_t piece = 256;
  for (int64_t p = r0; p < r1; p += piece) {
    const int64_t n = std::min(piece, r1 - p);
    const float* fp = f + p * c;
    for (int64_t i = 0; i < c; i += kRows)
      for (int64_t j = i / 32 * 32; j < c; j += 32)
        panel_rows(int(std::min<int64_t>(kRows, c - i)), fp + i, 1, c, fp + j, c, n, gt + i * c + j, c, true);
  }
}

int64_t target() { return HWY_TARGET; }

}  // namespace nst::winograd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nst::winograd {

HWY_EXPORT(conv_blocks);
HWY_EXPORT(expand);
HWY_EXPORT(gram_rows);
HWY_EXPORT(target);

std::string target_name() {
  cpu::apply_cap_to_highway();
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(target)());
}

// Faster than oneDNN's direct convolutions where the CPU has wide FMA
// vectors (measured with bench/winograd_bench on AVX2 and AVX-512); with
// SSE4 or scalar code only, oneDNN.
bool available() {
  cpu::apply_cap_to_highway();
  static const bool yes = [] {
    const int64_t t = HWY_DYNAMIC_DISPATCH(target)();
#if HWY_ARCH_X86
    return t <= HWY_AVX2;
#else
    return t != HWY_SCALAR && t != HWY_EMU128;
#endif
  }();
  return yes;
}

bool supports(int64_t in_channels, int64_t out_channels) {
  return in_channels > 0 && in_channels % 16 == 0 && out_channels > 0 && out_channels % 16 == 0;
}

namespace {

// All of u, on ATen's threads.
void expand_all(const std::vector<float>& g, int64_t c, int64_t k, int tile, float* u) {
  at::parallel_for(0, c, 16, [&](int64_t i0, int64_t i1) {
    HWY_DYNAMIC_DISPATCH(expand)(g.data(), c, k, tile, i0, i1, u);
  });
}

size_t positions(int tile) { return size_t(tile + 2) * (tile + 2); }

// A tile Weights can carry: F(4x4) or F(6x6), or 0 (chosen per call) for compact ones.
bool valid_tile(int tile, bool compact) { return tile == 4 || tile == 6 || (tile == 0 && compact); }

}  // namespace

// For nst::gram below: HWY_DYNAMIC_DISPATCH takes an unqualified name (with a
// single target it becomes N_<TARGET>::name, looked up from where it stands).
void gram_rows_best(const float* f, int64_t r0, int64_t r1, int64_t c, float* gt) {
  HWY_DYNAMIC_DISPATCH(gram_rows)(f, r0, r1, c, gt);
}

int preferred_tile(int64_t in_channels, int64_t out_channels, int64_t h, int64_t w) {
  if (preferred_tile(in_channels, out_channels) == 6) return 6;
  cpu::apply_cap_to_highway();
#if HWY_ARCH_X86
  if (HWY_DYNAMIC_DISPATCH(target)() == HWY_AVX2 && h * w >= 64 * 64) return 6;
#endif
  return 4;
}

int call_tile(const Weights& weights, int64_t h, int64_t w) {
  return weights.tile ? weights.tile : preferred_tile(weights.c, weights.k, h, w);
}

Weights transform(const float* oihw, int64_t k, int64_t c, bool compact, int tile) {
  cpu::apply_cap_to_highway();
  if (tile == 0 && !compact) tile = preferred_tile(c, k);
  if (!valid_tile(tile, compact))
    throw std::invalid_argument("winograd::transform: tile must be 4 or 6 (or 0)");
  Weights out;
  out.c = c;
  out.k = k;
  out.tile = tile;
  const int64_t kp = panel_columns(k);
  std::vector<float> g(size_t(9) * c * kp, 0.f);
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < c; ++i)
      for (int r = 0; r < 9; ++r) g[(i * 9 + r) * kp + o] = oihw[(o * c + i) * 9 + r];
  if (compact) {
    out.g = std::move(g);
  } else {
    out.u.resize(positions(tile) * c * kp);
    expand_all(g, c, kp, tile, out.u.data());
  }
  return out;
}

void conv3x3(const float* src, int64_t h, int64_t w, const Weights& weights, const float* bias, bool activate,
             float alpha, float* dst, const Masks& masks) {
  cpu::apply_cap_to_highway();
  const int64_t kp = panel_columns(weights.k);
  const bool compact = weights.u.empty();
  if (!supports(weights.c, weights.k) || h < 1 || w < 1 || !valid_tile(weights.tile, compact) ||
      (compact && weights.g.size() != size_t(9) * weights.c * kp) ||
      (!compact && weights.u.size() != positions(weights.tile) * weights.c * kp))
    throw std::invalid_argument("winograd::conv3x3: unsupported shape");
  const int tile = call_tile(weights, h, w);
  at::Tensor expanded;  // compact weights: transformed for this call
  const float* u = weights.u.data();
  if (compact) {
    expanded = at::empty({int64_t(positions(tile)) * weights.c * kp});
    expand_all(weights.g, weights.c, kp, tile, expanded.data_ptr<float>());
    u = expanded.data_ptr<float>();
  }
  Shape s{h, w, weights.c, kp, weights.k, (w + tile - 1) / tile, 0};
  s.tiles = s.tiles_w * ((h + tile - 1) / tile);
  // Tiles per block, measured with bench/winograd_bench on VGG-19's layers.
  // Up to 256 + 256 channels: 24 (F(4x4): 8-56 and 96 were slower; F(6x6):
  // 8-16 and 36 no faster): v and m of a block, 36 (F(6x6): 64) x 24 x
  // (c + k) floats, stay within a core's 2 MB L2 cache. With 512 channels
  // the products re-read 36 c k weights (up to 38 MB) per block: 192 tiles
  // beat 96 by 8-11 % and 24 by 2x on the 64x64 px layers, for 14 MB more
  // scratch per thread (F(6x6), as AVX2 runs these layers from 64 x 64 px:
  // 64 c k weights, up to 48 MB of scratch per thread). The blocks are then
  // evened out so that every thread gets the same number.
  const int64_t threads = std::max(1, at::get_num_threads()), per_block = s.c + s.k <= 512 ? 24 : 192;
  int64_t blocks = (s.tiles + per_block - 1) / per_block;
  blocks = (blocks + threads - 1) / threads * threads;
  const int64_t block = (s.tiles + blocks - 1) / blocks;
  blocks = (s.tiles + block - 1) / block;
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    HWY_DYNAMIC_DISPATCH(conv_blocks)(s, src, u, bias, activate, alpha, dst, masks, tile, b0, b1, block);
  });
}

}  // namespace nst::winograd

namespace nst::gram {

bool supports(int64_t channels) { return winograd::available() && channels >= 32 && channels % 32 == 0; }

void features_gram(const float* f, int64_t rows, int64_t c, float scale, float* g) {
  if (!supports(c) || rows < 1) throw std::invalid_argument("gram::features_gram: unsupported CPU or shape");
  // Each thread sums its share of the rows into its own c x c matrix, the
  // blocks on and above the diagonal only (G is symmetric); then the shares
  // are added up.
  const int64_t threads = std::max(1, at::get_num_threads());
  std::vector<float> part(size_t(threads) * c * c, 0.f);
  at::parallel_for(0, threads, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      winograd::gram_rows_best(f, rows * t / threads, rows * (t + 1) / threads, c, part.data() + t * c * c);
  });
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = i; j < c; ++j) {
      float sum = 0.f;
      for (int64_t t = 0; t < threads; ++t) sum += part[(t * c + i) * c + j];
      g[i * c + j] = g[j * c + i] = sum * scale;
    }
}

}  // namespace nst::gram
#endif  // HWY_ONCE

// Per-channel row loops (rows.h) on Google Highway: foreach_target.h compiles
// the code between HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE once per SIMD
// target and HWY_DYNAMIC_DISPATCH runs the best one the CPU has (within the
// cap of cpu.h). Channels beyond the last full vector run one at a time, with
// the same arithmetic.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "rows.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>

#include "cpu.h"
#include "rows.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace nst::rows::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using D = hn::ScalableTag<float>;

void stats(const float* d, int64_t p0, int64_t p1, int64_t c, const float* shift, float* a1, float* a2, double* o1,
           double* o2, float* mn, float* mx) {
  const D df;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  for (int64_t p = p0; p < p1; ++p) {
    const float* row = d + p * c;
    if (mn) {
      int64_t k = 0;
      for (; k < full; k += L) {
        const auto v = hn::LoadU(df, row + k);
        hn::StoreU(hn::Min(hn::LoadU(df, mn + k), v), df, mn + k);
        hn::StoreU(hn::Max(hn::LoadU(df, mx + k), v), df, mx + k);
      }
      for (; k < c; ++k) {
        mn[k] = row[k] < mn[k] ? row[k] : mn[k];
        mx[k] = row[k] > mx[k] ? row[k] : mx[k];
      }
    }
    if (!o1) continue;
    int64_t k = 0;
    for (; k < full; k += L) {
      const auto v = hn::Sub(hn::LoadU(df, row + k), hn::LoadU(df, shift + k));
      hn::StoreU(hn::Add(hn::LoadU(df, a1 + k), v), df, a1 + k);
      hn::StoreU(hn::MulAdd(v, v, hn::LoadU(df, a2 + k)), df, a2 + k);
    }
    for (; k < c; ++k) {
      const float v = row[k] - shift[k];
      a1[k] += v;
      a2[k] = std::fma(v, v, a2[k]);
    }
    if ((p & 255) == 255 || p + 1 == p1) {
      for (int64_t j = 0; j < c; ++j) {
        o1[j] += a1[j];
        o2[j] += a2[j];
        a1[j] = a2[j] = 0.f;
      }
    }
  }
}

void scale_shift(float* d, int64_t p0, int64_t p1, int64_t c, const float* scale, const float* off, bool relu,
                 float* hi) {
  const D df;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  const auto zero = hn::Zero(df);
  for (int64_t p = p0; p < p1; ++p) {
    float* row = d + p * c;
    int64_t k = 0;
    for (; k < full; k += L) {
      auto v = hn::MulAdd(hn::LoadU(df, row + k), hn::LoadU(df, scale + k), hn::LoadU(df, off + k));
      if (relu) v = hn::Max(v, zero);
      hn::StoreU(v, df, row + k);
      if (hi) hn::StoreU(hn::Max(hn::LoadU(df, hi + k), hn::Abs(v)), df, hi + k);
    }
    for (; k < c; ++k) {
      float v = std::fma(row[k], scale[k], off[k]);
      if (relu) v = v > 0.f ? v : 0.f;
      row[k] = v;
      if (hi) hi[k] = std::fabs(v) > hi[k] ? std::fabs(v) : hi[k];
    }
  }
}

template <typename T>
HWY_INLINE void quantize_t(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add,
                           float lo, float hi, T* q) {
  const D df;
  const hn::RebindToSigned<D> di;
  const hn::Rebind<T, D> dq;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  const auto vlo = hn::Set(df, lo), vhi = hn::Set(df, hi);
  for (int64_t p = p0; p < p1; ++p) {
    const float* row = s + p * c;
    T* out = q + p * c;
    int64_t k = 0;
    for (; k < full; k += L) {
      const auto a = add ? hn::LoadU(df, add + k) : hn::Zero(df);
      const auto v = hn::Min(hn::Max(hn::MulAdd(hn::LoadU(df, row + k), hn::LoadU(df, mul + k), a), vlo), vhi);
      hn::StoreU(hn::DemoteTo(dq, hn::ConvertTo(di, hn::Round(v))), dq, out + k);
    }
    for (; k < c; ++k) {
      float v = std::fma(row[k], mul[k], add ? add[k] : 0.f);
      v = v < lo ? lo : v > hi ? hi : v;
      out[k] = T(int(std::nearbyint(v)));  // the default rounding mode: to even
    }
  }
}

void quantize_u8(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo,
                 float hi, uint8_t* q) {
  quantize_t(s, p0, p1, c, mul, add, lo, hi, q);
}

void quantize_s8(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo,
                 float hi, int8_t* q) {
  quantize_t(s, p0, p1, c, mul, add, lo, hi, q);
}

void add(float* a, const float* b, int64_t p0, int64_t p1, int64_t c, float* hi) {
  const D df;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  for (int64_t p = p0; p < p1; ++p) {
    float* ra = a + p * c;
    const float* rb = b + p * c;
    int64_t k = 0;
    for (; k < full; k += L) {
      const auto v = hn::Add(hn::LoadU(df, ra + k), hn::LoadU(df, rb + k));
      hn::StoreU(v, df, ra + k);
      hn::StoreU(hn::Max(hn::LoadU(df, hi + k), hn::Abs(v)), df, hi + k);
    }
    for (; k < c; ++k) {
      ra[k] += rb[k];
      hi[k] = std::fabs(ra[k]) > hi[k] ? std::fabs(ra[k]) : hi[k];
    }
  }
}

void max_pool(const float* x, int64_t h, int64_t w, int64_t c, int64_t ow, int64_t oy0, int64_t oy1, float* y,
              uint8_t* at) {
  const D df;
  const hn::RebindToSigned<D> di;
  const hn::Rebind<uint8_t, D> d8;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  for (int64_t oy = oy0; oy < oy1; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox) {
      // The window's pixels in x, row-major; null where the window passes x's edge.
      const float* p[4];
      p[0] = x + (2 * oy * w + 2 * ox) * c;
      p[1] = 2 * ox + 1 < w ? p[0] + c : nullptr;
      p[2] = 2 * oy + 1 < h ? p[0] + w * c : nullptr;
      p[3] = p[1] && p[2] ? p[2] + c : nullptr;
      float* o = y + (oy * ow + ox) * c;
      uint8_t* a = at + (oy * ow + ox) * c;
      int64_t k = 0;
      for (; k < full; k += L) {
        auto m = hn::LoadU(df, p[0] + k);
        auto i = hn::Zero(di);
        for (int q = 1; q < 4; ++q) {
          if (!p[q]) continue;
          const auto v = hn::LoadU(df, p[q] + k);
          const auto more = hn::Gt(v, m);
          m = hn::IfThenElse(more, v, m);
          i = hn::IfThenElse(hn::RebindMask(di, more), hn::Set(di, q), i);
        }
        hn::StoreU(m, df, o + k);
        hn::StoreU(hn::DemoteTo(d8, i), d8, a + k);
      }
      for (; k < c; ++k) {
        float m = p[0][k];
        uint8_t i = 0;
        for (int q = 1; q < 4; ++q)
          if (p[q] && p[q][k] > m) {
            m = p[q][k];
            i = uint8_t(q);
          }
        o[k] = m;
        a[k] = i;
      }
    }
}

void max_pool_backward(const float* g, const uint8_t* at, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow,
                       int64_t oy0, int64_t oy1, float* dx) {
  const D df;
  const hn::RebindToUnsigned<D> du;
  const hn::Rebind<uint8_t, D> d8;
  const int64_t L = int64_t(hn::Lanes(df)), full = c / L * L;
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    for (int64_t ox = 0; ox < ow; ++ox) {
      float* p[4];
      p[0] = dx + (2 * oy * w + 2 * ox) * c;
      p[1] = 2 * ox + 1 < w ? p[0] + c : nullptr;
      p[2] = 2 * oy + 1 < h ? p[0] + w * c : nullptr;
      p[3] = p[1] && p[2] ? p[2] + c : nullptr;
      const float* gr = g + (oy * ow + ox) * c;
      const uint8_t* a = at + (oy * ow + ox) * c;
      int64_t k = 0;
      for (; k < full; k += L) {
        const auto v = hn::LoadU(df, gr + k);
        const auto i = hn::PromoteTo(du, hn::LoadU(d8, a + k));
        for (int q = 0; q < 4; ++q)
          if (p[q]) hn::StoreU(hn::IfThenElseZero(hn::RebindMask(df, hn::Eq(i, hn::Set(du, q))), v), df, p[q] + k);
      }
      for (; k < c; ++k)
        for (int q = 0; q < 4; ++q)
          if (p[q]) p[q][k] = a[k] == q ? gr[k] : 0.f;
    }
    // Pixels in no window (an odd size pooled without ceil mode): no gradient.
    const int64_t y_end = oy + 1 == oh ? h : std::min(h, 2 * oy + 2);
    for (int64_t y = 2 * oy; y < y_end; ++y) {
      const int64_t x_from = y < 2 * oy + 2 ? 2 * ow : 0;
      if (x_from < w) std::fill(dx + (y * w + x_from) * c, dx + (y + 1) * w * c, 0.f);
    }
  }
}

// Pixels [x, x + P) of output row y of image_gradient: acc[p][c] sums, over
// the three rows r[i] (g row y + 1 - i, padded with a zero pixel at each end;
// null: outside the image) and the three columns, the products of g's k
// channels with the packed weights; then each is summed across its lanes.
template <int P>
HWY_INLINE void image_gradient_pixels(const float* const r[3], const float* wv, int64_t k, int64_t x, float* out0,
                                      float* out1, float* out2) {
  const D df;
  const int64_t L = int64_t(hn::Lanes(df));
  using V = hn::Vec<D>;
  V acc[P][3];
  for (int p = 0; p < P; ++p)
    for (int c = 0; c < 3; ++c) acc[p][c] = hn::Zero(df);
  for (int i = 0; i < 3; ++i) {
    if (!r[i]) continue;
    for (int j = 0; j < 3; ++j) {
      // Output pixel x + p reads g at column x + p + 1 - j: padded index x + p + 2 - j.
      const float* gp = r[i] + (x + 2 - j) * k;
      const float* wp = wv + (i * 3 + j) * 3 * k;
      for (int64_t kc = 0; kc < k; kc += L) {
        const V w0 = hn::LoadU(df, wp + kc), w1 = hn::LoadU(df, wp + k + kc), w2 = hn::LoadU(df, wp + 2 * k + kc);
        for (int p = 0; p < P; ++p) {
          const V gv = hn::LoadU(df, gp + p * k + kc);
          acc[p][0] = hn::MulAdd(gv, w0, acc[p][0]);
          acc[p][1] = hn::MulAdd(gv, w1, acc[p][1]);
          acc[p][2] = hn::MulAdd(gv, w2, acc[p][2]);
        }
      }
    }
  }
  for (int p = 0; p < P; ++p) {
    out0[x + p] = hn::GetLane(hn::SumOfLanes(df, acc[p][0]));
    out1[x + p] = hn::GetLane(hn::SumOfLanes(df, acc[p][1]));
    out2[x + p] = hn::GetLane(hn::SumOfLanes(df, acc[p][2]));
  }
}

void image_gradient(const float* g, int64_t h, int64_t w, int64_t k, const float* wv, int64_t y0, int64_t y1,
                    float* dx) {
  const int64_t row = (w + 2) * k;
  // Three g rows, each padded with a zero pixel at both ends: slot r % 3
  // holds row r (held[]: which row it holds, -1 none).
  auto ring = hwy::AllocateAligned<float>(size_t(3 * row));
  int64_t held[3] = {-1, -1, -1};
  auto fill = [&](int64_t r) -> const float* {
    float* dst = ring.get() + (r % 3) * row;
    if (held[r % 3] == r) return dst;
    held[r % 3] = r;
    std::fill(dst, dst + k, 0.f);
    std::fill(dst + (w + 1) * k, dst + row, 0.f);
    std::copy(g + r * w * k, g + (r + 1) * w * k, dst + k);
    return dst;
  };
  for (int64_t y = y0; y < y1; ++y) {
    const float* r[3];
    for (int i = 0; i < 3; ++i) {
      const int64_t gy = y + 1 - i;
      r[i] = gy >= 0 && gy < h ? fill(gy) : nullptr;
    }
    float* o0 = dx + y * w;
    float* o1 = o0 + h * w;
    float* o2 = o1 + h * w;
    int64_t x = 0;
    for (; x + 4 <= w; x += 4) image_gradient_pixels<4>(r, wv, k, x, o0, o1, o2);
    for (; x < w; ++x) image_gradient_pixels<1>(r, wv, k, x, o0, o1, o2);
  }
}

int64_t lanes() { return int64_t(hn::Lanes(D())); }

int64_t target() { return HWY_TARGET; }

}  // namespace nst::rows::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nst::rows {

HWY_EXPORT(stats);
HWY_EXPORT(scale_shift);
HWY_EXPORT(quantize_u8);
HWY_EXPORT(quantize_s8);
HWY_EXPORT(add);
HWY_EXPORT(max_pool);
HWY_EXPORT(max_pool_backward);
HWY_EXPORT(image_gradient);
HWY_EXPORT(lanes);
HWY_EXPORT(target);

void stats(const float* d, int64_t p0, int64_t p1, int64_t c, const float* shift, float* a1, float* a2, double* o1,
           double* o2, float* mn, float* mx) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(stats)(d, p0, p1, c, shift, a1, a2, o1, o2, mn, mx);
}

void scale_shift(float* d, int64_t p0, int64_t p1, int64_t c, const float* scale, const float* off, bool relu,
                 float* hi) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(scale_shift)(d, p0, p1, c, scale, off, relu, hi);
}

void quantize(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo, float hi,
              uint8_t* q) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(quantize_u8)(s, p0, p1, c, mul, add, lo, hi, q);
}

void quantize(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo, float hi,
              int8_t* q) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(quantize_s8)(s, p0, p1, c, mul, add, lo, hi, q);
}

void add(float* a, const float* b, int64_t p0, int64_t p1, int64_t c, float* hi) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(add)(a, b, p0, p1, c, hi);
}

void max_pool(const float* x, int64_t h, int64_t w, int64_t c, int64_t ow, int64_t oy0, int64_t oy1, float* y,
              uint8_t* at) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(max_pool)(x, h, w, c, ow, oy0, oy1, y, at);
}

void max_pool_backward(const float* g, const uint8_t* at, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow,
                       int64_t oy0, int64_t oy1, float* dx) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(max_pool_backward)(g, at, h, w, c, oh, ow, oy0, oy1, dx);
}

bool image_gradient_supports(int64_t k) {
  cpu::apply_cap_to_highway();
  return k > 0 && k % HWY_DYNAMIC_DISPATCH(lanes)() == 0;
}

std::vector<float> image_gradient_weights(const float* oihw, int64_t k) {
  std::vector<float> wv(size_t(27) * k);
  for (int64_t o = 0; o < k; ++o)
    for (int c = 0; c < 3; ++c)
      for (int t = 0; t < 9; ++t) wv[(t * 3 + c) * k + o] = oihw[(o * 3 + c) * 9 + t];
  return wv;
}

void image_gradient(const float* g, int64_t h, int64_t w, int64_t k, const float* wv, int64_t y0, int64_t y1,
                    float* dx) {
  cpu::apply_cap_to_highway();
  HWY_DYNAMIC_DISPATCH(image_gradient)(g, h, w, k, wv, y0, y1, dx);
}

const char* target_name() {
  cpu::apply_cap_to_highway();
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(target)());
}

}  // namespace nst::rows
#endif  // HWY_ONCE

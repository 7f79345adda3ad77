// Per-channel row loops (rows.h) on Google Highway: foreach_target.h compiles
// the code between HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE once per SIMD
// target and HWY_DYNAMIC_DISPATCH runs the best one the CPU has (within the
// cap of cpu.h). Channels beyond the last full vector run one at a time, with
// the same arithmetic.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "rows.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "cpu.h"
#include "rows.h"

#include <cmath>
#include <cstddef>

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

const char* target_name() {
  cpu::apply_cap_to_highway();
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(target)());
}

}  // namespace nst::rows
#endif  // HWY_ONCE

// Per-channel loops over rows of channels-last (NHWC) float32 activations:
// the fast networks' instance norms and int8 quantisation pass over ~1 GB at
// 1024 px. One Highway source for every SIMD target, chosen at run time
// (rows.cpp). Rows [p0, p1) of c channels each, row p at d + p * c.
// Internal to core/; no LibTorch here.
#pragma once

#include <cstdint>

namespace nst::rows {

// Shifted sums: a1[k] += x - shift[k], a2[k] += (x - shift[k])^2 (float
// partials, flushed into o1/o2 (double) every 256 rows and at p1 - 1; o1
// null: no sums), and where mn is given the range: mn[k] = min(mn[k], x),
// mx[k] = max(mx[k], x).
void stats(const float* d, int64_t p0, int64_t p1, int64_t c, const float* shift, float* a1, float* a2, double* o1,
           double* o2, float* mn, float* mx);
// x = scale[k] x + off[k], then max(x, 0) when relu; hi (when given):
// raised to each channel's largest |result|.
void scale_shift(float* d, int64_t p0, int64_t p1, int64_t c, const float* scale, const float* off, bool relu,
                 float* hi);
// q = round-to-even(clamp(s mul[k] + add[k] (add null: 0), lo, hi)).
void quantize(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo, float hi,
              uint8_t* q);
void quantize(const float* s, int64_t p0, int64_t p1, int64_t c, const float* mul, const float* add, float lo, float hi,
              int8_t* q);
// a += b; hi[k] raised to the largest |a| of channel k.
void add(float* a, const float* b, int64_t p0, int64_t p1, int64_t c, float* hi);

// The SIMD target these loops run on here (e.g. "AVX2", "AVX3").
const char* target_name();

}  // namespace nst::rows

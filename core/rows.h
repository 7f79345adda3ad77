// Per-channel loops over rows of channels-last (NHWC) float32 activations:
// the fast networks' instance norms and int8 quantisation pass over ~1 GB at
// 1024 px; the optimisation step's max pooling. One Highway source for every SIMD target, chosen at run time
// (rows.cpp). Rows [p0, p1) of c channels each, row p at d + p * c.
// Internal to core/; no LibTorch here.
#pragma once

#include <cstdint>
#include <vector>

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

// 2x2 max pooling with stride 2 of x (h x w pixels of c channels) into y
// (oh x ow pixels), output rows [oy0, oy1): a window's pixels beyond x's edge
// (ceil mode) are left out. at (laid out as y) gets the window position of
// each maximum, 0-3 row-major, the first of equal values (as LibTorch).
void max_pool(const float* x, int64_t h, int64_t w, int64_t c, int64_t ow, int64_t oy0, int64_t oy1, float* y,
              uint8_t* at);
// Its gradient: dx (h x w x c) = g (oh x ow x c) at each window's maximum,
// 0 elsewhere, for the input rows of output rows [oy0, oy1) (the last one
// also takes the rows no window covers).
void max_pool_backward(const float* g, const uint8_t* at, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow,
                       int64_t oy0, int64_t oy1, float* dx);

// The data gradient of a network's first convolution (3x3, padding 1, 3
// input channels): dx (3 planes of h x w, the image's NCHW layout) for output
// rows [y0, y1) from g (h x w x k). wv: image_gradient_weights of the
// (k, 3, 3, 3) weights. Needs image_gradient_supports(k) (k a multiple of the
// SIMD width).
bool image_gradient_supports(int64_t k);
std::vector<float> image_gradient_weights(const float* oihw, int64_t k);
void image_gradient(const float* g, int64_t h, int64_t w, int64_t k, const float* wv, int64_t y0, int64_t y1,
                    float* dx);

// The SIMD target these loops run on here (e.g. "AVX2", "AVX3").
const char* target_name();

}  // namespace nst::rows

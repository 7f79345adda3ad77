// 3x3 convolutions (stride 1, padding 1, float32, NHWC) by Winograd's minimal
// filtering F(4x4, 3x3) or F(6x6, 3x3) (Lavin & Gray 2016): each 4x4 output
// tile costs 36 products per channel pair instead of 144 (each 6x6 tile 64
// instead of 324), paid for with transforms of the input and output tiles. Used by the optimisation step (step_dnnl.cpp) where
// it is faster than oneDNN 2.6's direct kernels (which have no Winograd for
// NHWC). Internal to core/; no LibTorch in this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nst::winograd {

// Whether the step should use these kernels: they run on every CPU (Highway
// dispatches to its best SIMD target), and are used where that target has
// wide FMA vectors (x86: AVX2 or AVX-512; ARM: NEON).
bool available();
// The SIMD target the kernels run on here, e.g. "AVX2", "AVX3" (AVX-512).
std::string target_name();
// Channel counts the kernels take: c % 16 == 0, k % 16 == 0 (the products
// work on panels of 32 output channels: k = 16 pads one panel with zeros).
bool supports(int64_t in_channels, int64_t out_channels);

// Weights in the transformed domain: for each of the 36 (F(6x6): 64) tile
// positions p a c x kp matrix (kp: k rounded up to a multiple of 32, the
// extra columns zero) stored as kp / 32 panels of c rows of 32 output
// channels, u[p][o / 32][i][o % 32] (4x the kernels' size, F(6x6): 7.1x); or compact: the kernels as g[c][9][kp], transformed
// into a temporary u on every conv3x3 call (~4 ms for 512 x 512 channels
// here: writing 38 MB), with the tile given or, with tile 0, the one
// preferred_tile(c, k, h, w) picks for that call's size.
struct Weights {
  int64_t c = 0, k = 0;
  int tile = 4;  // F(4x4, 3x3), F(6x6, 3x3), or 0 (compact only): chosen per call
  std::vector<float> u, g;
};
// Whether the optimisation step keeps a layer's weights compact: from
// 256 x 256 channels on, so that the step's memory stays below the
// reference's (the transformed weights are 4x the kernels; VGG-19 at 512 px
// under the AVX2 cap: peak RSS 807 -> 723 MB for a step ~1% slower).
inline bool keep_compact(int64_t in_channels, int64_t out_channels) {
  return in_channels * out_channels >= 256 * 256;
}
// The faster tile size for a layer of any size: F(6x6, 3x3) computes 36
// outputs with 64 products per channel pair (F(4x4) 16 with 36), for larger
// transforms and 64 / 36 the transformed weights. Measured per layer
// (AVX-512, both with the prefetching product): 0.84-0.93x the time of
// F(4x4) with up to 256 + 256 channels; with 512 channels, where the
// products stream the weights, 1.04-1.2x (256 <-> 512, 64 <-> 512) and
// 1.8-3.5x (512 -> 512) on Sapphire Rapids. Compact weights (keep_compact)
// have their tile chosen per call by the overload below.
inline int preferred_tile(int64_t in_channels, int64_t out_channels) {
  return in_channels + out_channels <= 512 ? 6 : 4;
}
// The faster tile for an h x w output on this CPU's SIMD target: as above,
// but F(6x6) for the larger layers too from 64 x 64 px where the kernels run
// on AVX2 (AMD Zen 3: 0.85-0.95x the time of F(4x4) at 64 x 64 and 128 x 128
// px in bench/winograd_bench, a median 0.90x in the step's profile; 1.13x at
// 32 x 32 px; docs/performance.md).
int preferred_tile(int64_t in_channels, int64_t out_channels, int64_t h, int64_t w);
// The tile conv3x3 uses with these weights on an h x w output.
int call_tile(const Weights& weights, int64_t h, int64_t w);
// From float32 weights laid out (k, c, 3, 3) (PyTorch's OIHW).
// tile: 4 for F(4x4, 3x3), 6 for F(6x6, 3x3); 0: preferred_tile(c, k) for
// kept weights, chosen on each call for compact ones (see Weights).
Weights transform(const float* oihw, int64_t k, int64_t c, bool compact = false, int tile = 0);

// Byte masks (0 or 1 per value, laid out as the tensor they go with) that
// conv3x3 reads or writes on the way, instead of a pass of their own over
// memory: the signs a ReLU's backward pass needs.
struct Masks {
  const uint8_t* src = nullptr;  // src is read as src where set, src_alpha src elsewhere
  float src_alpha = 0;
  uint8_t* dst = nullptr;  // set where dst > 0
};

// dst (h, w, k) = conv(src (h, w, c), weights) + bias (null: none), then
// where `activate` max(y, alpha * y) (ReLU: alpha 0; leaky ReLU: alpha 0.1).
// Runs on ATen's thread pool. Needs supports(c, k).
void conv3x3(const float* src, int64_t h, int64_t w, const Weights& weights, const float* bias, bool activate,
             float alpha, float* dst, const Masks& masks = {});

}  // namespace nst::winograd

// Gram matrices of channels-last features with the same product kernel. On
// VGG-19's loss layers at 512 px (2 threads) features_gram takes 0.5-0.95x the
// time of OpenBLAS's sgemm and 0.6-0.9x that of oneDNN's (only the blocks on
// and above the diagonal). (The gradients, F k, are oneDNN's sgemm: see
// step_gram in step_dnnl.h.)
namespace nst::gram {

// Whether these kernels run here for `channels` (winograd::available(), channels % 32 == 0).
bool supports(int64_t channels);
// g (c x c) = scale F^T F for F (rows x c) row-major.
void features_gram(const float* f, int64_t rows, int64_t c, float scale, float* g);

}  // namespace nst::gram

// kernel_bench: the optimisation step's Gram products and the image's
// gradient, each timed against the library code it replaces, in the same
// process on the same arrays (fastest of 11 after a warm-up, 2 threads):
// - per style layer shape of VGG-19 and Darknet-tiny at 512 px: the Gram
//   matrix F^T F by our kernel (gram::features_gram, where it takes the
//   channel count), OpenBLAS's sgemm (at::mm) and oneDNN's sgemm; the
//   gradient F k by OpenBLAS's and oneDNN's sgemm (the step uses
//   step_gram in step_dnnl.h);
// - the first layer's data gradient into 3 channels at 512 and 1024 px:
//   rows::image_gradient against oneDNN's backward-data primitive.
// Run under ONEDNN_MAX_CPU_ISA=AVX2 to see an AVX2 CPU (the cap applies to
// Highway's targets too), with OPENBLAS_CORETYPE=HASWELL then.
#include "dnnl_common.h"
#include "rows.h"
#include "step_dnnl.h"
#include "winograd.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

template <class F>
double fastest_ms(F f) {
  f();
  double best = 1e30;
  for (int i = 0; i < 11; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void grams() {
  std::printf("| network | channels x pixels | Gram: ours | OpenBLAS | oneDNN | gradient: OpenBLAS | oneDNN |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|\n");
  struct Shape {
    const char* net;
    int64_t c, n;
  };
  for (const Shape& s : {Shape{"Darknet-tiny", 16, 262144}, {"Darknet-tiny", 32, 65536}, {"Darknet-tiny", 128, 16384},
                         {"Darknet-tiny", 256, 4096}, {"Darknet-tiny", 512, 1024}, {"VGG-19", 64, 262144},
                         {"VGG-19", 128, 65536}, {"VGG-19", 256, 16384}, {"VGG-19", 512, 4096}}) {
    const int64_t c = s.c, n = s.n;
    const at::Tensor f = at::rand({n, c}), k = at::rand({c, c});
    at::Tensor g = at::empty({c, c}), d = at::zeros({n, c});
    float* fp = f.data_ptr<float>();
    char ours[32] = "-";
    if (nst::gram::supports(c))
      std::snprintf(ours, sizeof ours, "%.2f",
                    fastest_ms([&] { nst::gram::features_gram(fp, n, c, 1.f, g.data_ptr<float>()); }));
    const double blas = fastest_ms([&] { at::mm_out(g, f.t(), f); });
    const double onednn = fastest_ms([&] { dnnl::sgemm('T', 'N', c, c, n, 1.f, fp, c, fp, c, 0.f, g.data_ptr<float>(), c); });
    const double blas_grad = fastest_ms([&] { d.addmm_(f, k); });
    const double onednn_grad = fastest_ms([&] { nst::step_gram::add_gradient(fp, n, c, k.data_ptr<float>(), d.data_ptr<float>()); });
    std::printf("| %s | %lld x %lld | %s | %.2f | %.2f | %.2f | %.2f |\n", s.net, (long long)c, (long long)n, ours, blas,
                onednn, blas_grad, onednn_grad);
  }
}

void image_gradients() {
  std::printf("\n| channels | size | image_gradient | oneDNN backward-data | (its kernel) |\n");
  std::printf("|---:|---:|---:|---:|---|\n");
  engine& eng = nst::dnnl_common::cpu_engine();
  stream s(eng);
  for (int64_t k : {16, 64})
    for (int64_t h : {512, 1024}) {
      if (!nst::rows::image_gradient_supports(k)) continue;
      const at::Tensor g = at::randn({h, h, k}), w = at::randn({k, 3, 3, 3});
      at::Tensor dx = at::empty({1, 3, h, h});
      const std::vector<float> wv = nst::rows::image_gradient_weights(w.data_ptr<float>(), k);
      const double ours = fastest_ms([&] {
        at::parallel_for(0, h, 8, [&](int64_t y0, int64_t y1) {
          nst::rows::image_gradient(g.data_ptr<float>(), h, h, k, wv.data(), y0, y1, dx.data_ptr<float>());
        });
      });
      const memory::desc smd({1, 3, h, h}, dt::f32, tag::nhwc), dmd({1, k, h, h}, dt::f32, tag::nhwc),
          wmd({k, 3, 3, 3}, dt::f32, tag::any), bmd({k}, dt::f32, tag::x);
      const auto fpd = nst::dnnl_common::convolution_forward_pd(prop_kind::forward_training, smd, wmd, bmd, dmd,
                                                                {1, 1}, {1, 1}, {1, 1});
      const auto bpd = nst::dnnl_common::convolution_backward_data_pd(smd, wmd, dmd, {1, 1}, {1, 1}, {1, 1}, fpd);
      const convolution_backward_data bwd(bpd);
      memory gm(dmd, eng, g.data_ptr<float>()), wm(bpd.weights_desc(), eng), dsm(bpd.diff_src_desc(), eng);
      const double lib = fastest_ms([&] {
        bwd.execute(s, {{DNNL_ARG_DIFF_DST, gm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dsm}});
        s.wait();
      });
      std::printf("| %lld -> 3 | %lld px | %.2f ms | %.2f ms | %s |\n", (long long)k, (long long)h, ours, lib,
                  bpd.impl_info_str());
    }
}

}  // namespace

int main() {
  at::set_num_threads(2);
  std::printf("kernels: %s (Highway), %d threads\n\n", nst::rows::target_name(), at::get_num_threads());
  grams();
  image_gradients();
}

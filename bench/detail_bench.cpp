// detail_bench: how much fine detail a stylised image has and how close its
// local texture is to the painting's, for comparing a result optimised at
// full size with a working-size result enlarged to the same size.
//
//   detail_bench MODEL STYLE IMAGE...
//   detail_bench --resize IN WIDTH HEIGHT OUT   (an enlarged test photo)
//
// For each image (all of one size): the variance of the Laplacian of its
// luma (high-frequency energy; 8-bit scale), and the style distance of its
// 512 x 512 crops (a grid of up to 3 x 3, averaged): the sum over the
// network's default style layers of the mean squared difference between the
// crop's Gram matrix and the painting's at its own size, times the network's
// default style weight (the engine's style loss).
#include "networks.h"
#include "nst.h"

#include <opencv2/imgproc.hpp>
#include <torch/utils.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

at::Tensor to_tensor(const nst::Image& rgb) {
  return at::from_blob(const_cast<float*>(rgb.data.data()), {rgb.height, rgb.width, 3})
      .permute({2, 0, 1})
      .unsqueeze(0)
      .clone();
}

double laplacian_variance(const nst::Image& rgb) {
  cv::Mat grey(rgb.height, rgb.width, CV_32F);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x)
      grey.at<float>(y, x) =
          255.f * (0.2126f * rgb.at(x, y, 0) + 0.7152f * rgb.at(x, y, 1) + 0.0722f * rgb.at(x, y, 2));
  cv::Mat lap;
  cv::Laplacian(grey, lap, CV_32F);
  cv::Scalar mean, dev;
  cv::meanStdDev(lap, mean, dev);
  return dev[0] * dev[0];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--resize") {
    try {
      nst::save_image(nst::resize(nst::load_image(argv[2]), std::stoi(argv[3]), std::stoi(argv[4])), argv[5]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "detail_bench: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  if (argc < 4) {
    std::fprintf(stderr, "usage: detail_bench MODEL STYLE IMAGE...\n");
    return 2;
  }
  try {
    auto net = nst::load_network(argv[1]);
    const nst::ModelInfo& info = net->info();
    const std::vector<bool> grams(info.default_style_layers.size(), true);
    torch::NoGradGuard no_grad;
    const nst::Image style = nst::convert_channels(nst::load_image(argv[2]), 3);
    const std::vector<at::Tensor> target = net->features(to_tensor(style), info.default_style_layers, grams);
    std::printf("%-40s %10s %14s\n", "image", "laplacian", "style (512 px)");
    for (int i = 3; i < argc; ++i) {
      const nst::Image img = nst::convert_channels(nst::load_image(argv[i]), 3);
      const int crop = std::min({512, img.width, img.height});
      const int nx = std::min(3, img.width / crop), ny = std::min(3, img.height / crop);
      double style_sum = 0;
      for (int cy = 0; cy < ny; ++cy)
        for (int cx = 0; cx < nx; ++cx) {
          const int x0 = nx == 1 ? 0 : cx * (img.width - crop) / (nx - 1);
          const int y0 = ny == 1 ? 0 : cy * (img.height - crop) / (ny - 1);
          const at::Tensor t = to_tensor(img).narrow(2, y0, crop).narrow(3, x0, crop).contiguous();
          const std::vector<at::Tensor> g = net->features(t, info.default_style_layers, grams);
          for (size_t k = 0; k < g.size(); ++k) style_sum += at::mse_loss(g[k], target[k]).item<double>();
        }
      std::printf("%-40s %10.1f %14.4g\n", argv[i], laplacian_variance(img),
                  info.default_style_weight * style_sum / (nx * ny));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "detail_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

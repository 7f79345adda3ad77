// Perceptual losses (Gatys et al.). Internal to core/.
#pragma once

#include <ATen/ATen.h>

namespace nst::losses {

// Gram matrix of features (1,C,H,W): F F^T / (C*H*W), shape (C,C). Channels-last
// features are read in place (no copy).
at::Tensor gram(const at::Tensor& features);
// Mean squared difference between features and a fixed target.
at::Tensor content(const at::Tensor& features, const at::Tensor& target);
// Mean squared difference between gram(features) and a target Gram matrix.
at::Tensor style(const at::Tensor& features, const at::Tensor& target_gram);
// Total variation of an image (N,C,H,W): mean squared difference of
// horizontally plus of vertically neighbouring pixels.
at::Tensor total_variation(const at::Tensor& image);

}  // namespace nst::losses

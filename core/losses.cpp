#include "losses.h"

namespace nst::losses {

at::Tensor gram(const at::Tensor& f) {
  const int64_t c = f.size(1);
  // Channels-last features (the direct oneDNN path) are copied to (C, H*W)
  // first: OpenBLAS ran the (H*W, C)^T (H*W, C) product without the copy
  // ~2x slower on this project's machine (it falls back to its generic
  // Prescott kernels there).
  at::Tensor m = f.contiguous().reshape({c, -1});
  return at::mm(m, m.t()) / double(m.numel());
}

at::Tensor content(const at::Tensor& f, const at::Tensor& target) { return at::mse_loss(f, target); }

at::Tensor style(const at::Tensor& f, const at::Tensor& target_gram) { return at::mse_loss(gram(f), target_gram); }

at::Tensor total_variation(const at::Tensor& x) {
  using namespace at::indexing;
  at::Tensor dx = x.index({"...", Slice(), Slice(1, None)}) - x.index({"...", Slice(), Slice(None, -1)});
  at::Tensor dy = x.index({"...", Slice(1, None), Slice()}) - x.index({"...", Slice(None, -1), Slice()});
  return dx.pow(2).mean() + dy.pow(2).mean();
}

}  // namespace nst::losses

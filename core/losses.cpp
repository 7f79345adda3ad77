#include "losses.h"

#include <stdexcept>

namespace nst::losses {

at::Tensor gram(const at::Tensor& f) {
  const int64_t c = f.size(1);
  // Channels-last features (the direct oneDNN path) are the (H*W, C) matrix
  // F^T, used in place.
  if (!f.is_contiguous() && f.is_contiguous(at::MemoryFormat::ChannelsLast)) {
    const at::Tensor m = f.permute({0, 2, 3, 1}).reshape({-1, c});  // a view
    return at::mm(m.t(), m) / double(f.numel());
  }
  const at::Tensor m = f.contiguous().reshape({c, -1});
  return at::mm(m, m.t()) / double(f.numel());
}

at::Tensor content(const at::Tensor& f, const at::Tensor& target) { return at::mse_loss(f, target); }

at::Tensor style(const at::Tensor& f, const at::Tensor& target_gram) {
  if (f.dim() != 4 || target_gram.dim() != 2 || target_gram.size(0) != f.size(1) || target_gram.size(1) != f.size(1))
    throw std::invalid_argument("style loss: features (1, C, H, W) and a (C, C) Gram matrix expected");
  return at::mse_loss(gram(f), target_gram);
}

at::Tensor total_variation(const at::Tensor& x) {
  using namespace at::indexing;
  at::Tensor dx = x.index({"...", Slice(), Slice(1, None)}) - x.index({"...", Slice(), Slice(None, -1)});
  at::Tensor dy = x.index({"...", Slice(1, None), Slice()}) - x.index({"...", Slice(None, -1), Slice()});
  return dx.pow(2).mean() + dy.pow(2).mean();
}

}  // namespace nst::losses

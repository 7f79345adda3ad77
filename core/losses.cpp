#include "losses.h"

#include <torch/csrc/autograd/custom_function.h>

#include <stdexcept>

namespace nst::losses {
namespace {

bool channels_last(const at::Tensor& f) {
  return !f.is_contiguous() && f.is_contiguous(at::MemoryFormat::ChannelsLast);
}

// F F^T / n without copying the features: channels-last features (the
// direct oneDNN path) are the (H*W, C) matrix F^T.
at::Tensor gram_of(const at::Tensor& f) {
  const int64_t c = f.size(1);
  if (channels_last(f)) {
    const at::Tensor m = f.permute({0, 2, 3, 1}).reshape({-1, c});  // a view
    return at::mm(m.t(), m) / double(f.numel());
  }
  const at::Tensor m = f.contiguous().reshape({c, -1});
  return at::mm(m, m.t()) / double(f.numel());
}

// mse(gram(f), target) with its own backward pass: it keeps only f (which
// the network's output holds anyway) and G - target, where autograd through
// gram() kept a (C, H*W) copy of f and made two more feature-sized tensors
// on the way back (at 1024 px, 256 MB each for relu1_1).
struct StyleLoss : torch::autograd::Function<StyleLoss> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& f, const at::Tensor& target) {
    const at::Tensor d = gram_of(f) - target;
    ctx->save_for_backward({f, d});
    return d.pow(2).mean();
  }

  // L = mean((G - T)^2) over C^2 entries, G = M M^T / n (M = F as (C, HW)):
  // dL/dM = (dL/dG + dL/dG^T) M / n = 4 (G - T) M / (C^2 n), G - T symmetric.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& f = saved[0];
    const at::Tensor& d = saved[1];
    const int64_t c = f.size(1);
    const at::Tensor k = d * (grad[0] * (4.0 / (double(c) * c * double(f.numel()))));
    at::Tensor df;
    if (channels_last(f)) {
      const at::Tensor m = f.permute({0, 2, 3, 1}).reshape({-1, c});
      df = at::mm(m, k).view({f.size(0), f.size(2), f.size(3), c}).permute({0, 3, 1, 2});
    } else {
      df = at::mm(k, f.contiguous().reshape({c, -1})).view(f.sizes());
    }
    return {df, at::Tensor()};
  }
};

}  // namespace

at::Tensor gram(const at::Tensor& f) { return gram_of(f); }

at::Tensor content(const at::Tensor& f, const at::Tensor& target) { return at::mse_loss(f, target); }

at::Tensor style(const at::Tensor& f, const at::Tensor& target_gram) {
  if (f.dim() != 4 || target_gram.dim() != 2 || target_gram.size(0) != f.size(1) || target_gram.size(1) != f.size(1))
    throw std::invalid_argument("style loss: features (1, C, H, W) and a (C, C) Gram matrix expected");
  return StyleLoss::apply(f, target_gram.to(f.scalar_type()));
}

at::Tensor total_variation(const at::Tensor& x) {
  using namespace at::indexing;
  at::Tensor dx = x.index({"...", Slice(), Slice(1, None)}) - x.index({"...", Slice(), Slice(None, -1)});
  at::Tensor dy = x.index({"...", Slice(1, None), Slice()}) - x.index({"...", Slice(None, -1), Slice()});
  return dx.pow(2).mean() + dy.pow(2).mean();
}

}  // namespace nst::losses

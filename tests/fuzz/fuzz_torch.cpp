// libFuzzer harness: PyTorch weight files (zip archives with a pickle, and the
// legacy pickle format) through weights::load_torch.
#include "fuzz_io.h"
#include "nst.h"
#include "weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch().write("weights.pth", data, size);
  try {
    nst::weights::load_torch(path);
  } catch (const nst::Error&) {
  }
  return 0;
}

// libFuzzer harness: TF.js Layers models (model.json and a weight shard, the
// input's two parts, fuzz_io.h) through weights::load_tfjs.
#include "fuzz_io.h"
#include "nst.h"
#include "weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Parts p = fuzz::split(data, size);
  const std::string json = fuzz::scratch().write("model.json", p.first, p.first_size);
  fuzz::scratch().write("group1-shard1of1", p.second, p.second_size);
  try {
    nst::weights::load_tfjs(json);
  } catch (const nst::Error&) {
  }
  return 0;
}

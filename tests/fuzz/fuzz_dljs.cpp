// libFuzzer harness: deeplearn.js checkpoints (manifest.json and one variable
// file named "v", the input's two parts, fuzz_io.h) through weights::load_dljs.
#include "fuzz_io.h"
#include "nst.h"
#include "weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Parts p = fuzz::split(data, size);
  const std::string manifest = fuzz::scratch().write("manifest.json", p.first, p.first_size);
  fuzz::scratch().write("v", p.second, p.second_size);
  try {
    nst::weights::load_dljs(manifest);
  } catch (const nst::Error&) {
  }
  return 0;
}

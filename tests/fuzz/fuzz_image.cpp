// libFuzzer harness: image files through load_image (OpenCV's decoders and
// our checks around them); a decoded image must have the size it says.
#include "fuzz_io.h"
#include "nst.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch().write("image", data, size);
  try {
    const nst::Image img = nst::load_image(path);
    if (img.width < 1 || img.height < 1 || img.data.size() != size_t(img.width) * img.height * img.channels)
      std::abort();
  } catch (const nst::Error&) {
  }
  return 0;
}

// See pixbuf.h.
#include "pixbuf.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace nst_ui {

GdkPixbuf* image_pixbuf(const nst::Image& img, int max_width, int max_height) {
  if (img.empty() || img.width <= 0 || img.height <= 0) return nullptr;
  const double scale = std::min(double(max_width) / img.width, double(max_height) / img.height);
  const int w = std::max(1, int(std::lround(img.width * scale)));
  const int h = std::max(1, int(std::lround(img.height * scale)));
  nst::Image rgb = img.channels == 3 ? img : nst::convert_channels(img, 3);
  if (rgb.width != w || rgb.height != h) rgb = nst::resize(rgb, w, h);
  const std::vector<uint8_t> bytes = nst::to_u8(rgb);
  GdkPixbuf* pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guchar* dst = gdk_pixbuf_get_pixels(pb);
  const int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < h; ++y) std::copy_n(&bytes[size_t(y) * w * 3], size_t(w) * 3, dst + size_t(y) * stride);
  return pb;
}

}  // namespace nst_ui

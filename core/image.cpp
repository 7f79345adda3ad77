// Pixel conversions, resizing and image files for the core library.
#include "nst.h"
#include "process.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace nst {
namespace {

void check_shape(int width, int height, int channels) {
  if (width <= 0 || height <= 0)
    throw Error("image has no pixels (" + std::to_string(width) + "x" + std::to_string(height) + ")");
  if (channels < 1 || channels > 4)
    throw Error("unsupported channel count " + std::to_string(channels) + " (expected 1 to 4)");
}

template <typename T>
Image from_int(const T* src, int width, int height, int channels, size_t stride, float maxval) {
  check_shape(width, height, channels);
  if (stride == 0) stride = size_t(width) * channels;
  Image img(width, height, channels);
  const float scale = 1.f / maxval;
  for (int y = 0; y < height; ++y) {
    const T* row = src + y * stride;
    float* out = img.data.data() + size_t(y) * width * channels;
    for (size_t i = 0; i < size_t(width) * channels; ++i) out[i] = float(row[i]) * scale;
  }
  return img;
}

template <typename T>
std::vector<T> to_int(const Image& img, float maxval) {
  std::vector<T> out(img.data.size());
  for (size_t i = 0; i < out.size(); ++i) {
    float v = std::clamp(img.data[i], 0.f, 1.f) * maxval;
    out[i] = T(std::lround(v));
  }
  return out;
}

float luma(float r, float g, float b) { return 0.2126f * r + 0.7152f * g + 0.0722f * b; }

}  // namespace

Image from_u8(const uint8_t* src, int width, int height, int channels, size_t stride) {
  return from_int(src, width, height, channels, stride, 255.f);
}
Image from_u16(const uint16_t* src, int width, int height, int channels, size_t stride) {
  return from_int(src, width, height, channels, stride, 65535.f);
}
std::vector<uint8_t> to_u8(const Image& img) { return to_int<uint8_t>(img, 255.f); }
std::vector<uint16_t> to_u16(const Image& img) { return to_int<uint16_t>(img, 65535.f); }

Image convert_channels(const Image& img, int channels) {
  check_shape(img.width, img.height, channels);
  if (channels == img.channels) return img;
  Image out(img.width, img.height, channels);
  const bool in_grey = img.channels <= 2, out_grey = channels <= 2;
  const bool in_alpha = img.has_alpha(), out_alpha = channels == 2 || channels == 4;
  const size_t n = size_t(img.width) * img.height;
  for (size_t p = 0; p < n; ++p) {
    const float* s = &img.data[p * img.channels];
    float* d = &out.data[p * channels];
    if (out_grey) {
      d[0] = in_grey ? s[0] : luma(s[0], s[1], s[2]);
    } else {
      for (int c = 0; c < 3; ++c) d[c] = in_grey ? s[0] : s[c];
    }
    if (out_alpha) d[channels - 1] = in_alpha ? s[img.channels - 1] : 1.f;
  }
  return out;
}

Image resize(const Image& img, int width, int height) {
  check_shape(width, height, img.channels);
  if (width == img.width && height == img.height) return img;
  Image out(width, height, img.channels);
  const bool shrink = width <= img.width && height <= img.height;
  // cv::resize handles up to 4 channels; wrap without copying.
  cv::Mat src(img.height, img.width, CV_32FC(img.channels), const_cast<float*>(img.data.data()));
  cv::Mat dst(height, width, CV_32FC(img.channels), out.data.data());
  cv::resize(src, dst, dst.size(), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_CUBIC);
  for (float& v : out.data) v = std::clamp(v, 0.f, 1.f);
  return out;
}

namespace {
void check_same(const Image& a, const Image& b, const char* what) {
  if (a.width != b.width || a.height != b.height || a.channels != b.channels)
    throw Error(std::string(what) + ": the images differ in size or channels (" + std::to_string(a.width) + "x" +
                std::to_string(a.height) + "x" + std::to_string(a.channels) + " vs " + std::to_string(b.width) +
                "x" + std::to_string(b.height) + "x" + std::to_string(b.channels) + ")");
}
}  // namespace

Image blend(const Image& original, const Image& stylized, double strength) {
  check_same(original, stylized, "blend");
  if (!(strength >= 0 && strength <= 1)) throw Error("blend: strength must be between 0 and 1");
  Image out = stylized;
  if (strength == 1) return out;
  const int colours = stylized.has_alpha() ? stylized.channels - 1 : stylized.channels;
  const float s = float(strength);
  const size_t n = size_t(out.width) * out.height;
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < colours; ++c) {
      const size_t k = i * out.channels + c;
      out.data[k] = original.data[k] + s * (stylized.data[k] - original.data[k]);
    }
  return out;
}

namespace {

// Mean and covariance of an image's RGB channels (double precision).
void color_statistics(const Image& img, cv::Matx31d* mean, cv::Matx33d* cov) {
  const size_t n = size_t(img.width) * img.height;
  const int ch = img.channels;
  cv::Matx31d m = cv::Matx31d::zeros();
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) m(c) += img.data[i * ch + c];
  m *= 1.0 / double(n);
  cv::Matx33d s = cv::Matx33d::zeros();
  for (size_t i = 0; i < n; ++i) {
    const double d[3] = {img.data[i * ch] - m(0), img.data[i * ch + 1] - m(1), img.data[i * ch + 2] - m(2)};
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) s(a, b) += d[a] * d[b];
  }
  *mean = m;
  *cov = s * (1.0 / double(n));
}

// A symmetric positive semi-definite matrix to the power `p` (+-1/2), through
// its eigenvalues; eigenvalues below `floor` count as `floor` (a flat or
// grey image has a singular covariance).
cv::Matx33d symmetric_power(const cv::Matx33d& m, double p, double floor) {
  cv::Mat values, vectors;  // rows of `vectors` are the eigenvectors
  cv::eigen(cv::Mat(m), values, vectors);
  cv::Matx33d out = cv::Matx33d::zeros();
  for (int k = 0; k < 3; ++k) {
    const double f = std::pow(std::max(values.at<double>(k), floor), p);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) out(a, b) += f * vectors.at<double>(k, a) * vectors.at<double>(k, b);
  }
  return out;
}

}  // namespace

Image match_colors(const Image& image, const Image& reference) {
  if (image.empty() || reference.empty()) throw Error("match_colors: empty image");
  if (image.channels < 3) return image;
  if (reference.channels < 3) throw Error("match_colors: the reference image is grey");
  cv::Matx31d mi, mr;
  cv::Matx33d ci, cr;
  color_statistics(image, &mi, &ci);
  color_statistics(reference, &mr, &cr);
  // x' = A (x - mean_image) + mean_reference with A = C_ref^(1/2) C_image^(-1/2):
  // the covariance of x' is A C_image A^T = C_ref.
  constexpr double kFloor = 1e-8;
  const cv::Matx33d a = symmetric_power(cr, 0.5, 0) * symmetric_power(ci, -0.5, kFloor);
  Image out = image;
  const size_t n = size_t(out.width) * out.height;
  const int ch = out.channels;
  for (size_t i = 0; i < n; ++i) {
    float* px = &out.data[i * ch];
    const double d[3] = {px[0] - mi(0), px[1] - mi(1), px[2] - mi(2)};
    for (int c = 0; c < 3; ++c)
      px[c] = std::clamp(float(a(c, 0) * d[0] + a(c, 1) * d[1] + a(c, 2) * d[2] + mr(c)), 0.f, 1.f);
  }
  return out;
}

Image keep_colors(const Image& original, const Image& stylized) {
  check_same(original, stylized, "keep_colors");
  if (stylized.channels < 3) return stylized;
  // Rec. 709 luma on the (non-linear) values, as for grey conversion. Each
  // pixel becomes the stylised luma plus the original's chroma (its offset
  // from its own luma). Where that leaves [0, 1], the chroma is scaled down
  // (hue and luma kept, saturation lowered) instead of clipping channels.
  constexpr float kr = 0.2126f, kg = 0.7152f, kb = 0.0722f;
  Image out = stylized;
  const size_t n = size_t(out.width) * out.height;
  const int ch = out.channels;
  for (size_t i = 0; i < n; ++i) {
    const float* o = &original.data[i * ch];
    const float* s = &stylized.data[i * ch];
    const float y = std::clamp(kr * s[0] + kg * s[1] + kb * s[2], 0.f, 1.f);
    const float yo = kr * o[0] + kg * o[1] + kb * o[2];
    float k = 1.f;
    for (int c = 0; c < 3; ++c) {
      const float d = o[c] - yo;
      if (d > 1e-6f) k = std::min(k, (1.f - y) / d);
      if (d < -1e-6f) k = std::min(k, y / -d);
    }
    for (int c = 0; c < 3; ++c) out.data[i * ch + c] = std::clamp(y + k * (o[c] - yo), 0.f, 1.f);
  }
  return out;
}

namespace {

// What a PNG's or JPEG's header says the decoded image will be (the other
// formats are left to OpenCV's own size check): 0 x 0 when it is neither or
// the header cannot be read.
struct HeaderSize {
  int64_t width = 0, height = 0;
  int channels = 0, bytes = 1;  // per pixel, as OpenCV's IMREAD_UNCHANGED decodes it; bytes per sample
};

HeaderSize png_header(const unsigned char* b, size_t n) {
  HeaderSize h;
  if (n < 26 || std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0 || std::memcmp(b + 12, "IHDR", 4) != 0) return h;
  auto be32 = [&](int at) { return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | b[at + 3]; };
  h.width = be32(16);
  h.height = be32(20);
  h.bytes = b[24] == 16 ? 2 : 1;
  // Colour type 0 grey, 2 RGB; a palette (3, perhaps with transparency), grey
  // + alpha (4) and RGBA (6) are counted as RGBA.
  const int type = b[25];
  h.channels = type == 0 ? 1 : type == 2 ? 3 : 4;
  return h;
}

HeaderSize jpeg_header(std::istream& in) {
  HeaderSize h;
  in.clear();
  in.seekg(0);
  if (in.get() != 0xff || in.get() != 0xd8) return h;
  // Walk the marker segments up to the first start-of-frame (SOF0-SOF15 but
  // DHT C4, JPG C8 and DAC CC): precision, height, width, components.
  for (int segments = 0; segments < 4096 && in; ++segments) {
    int c = in.get();
    if (c != 0xff) return h;
    int marker;
    do marker = in.get();
    while (marker == 0xff);
    if (marker == std::char_traits<char>::eof()) return h;
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;  // no length
    const int hi = in.get(), lo = in.get();
    if (lo == std::char_traits<char>::eof()) return h;
    const int length = (hi << 8) | lo;
    if (length < 2) return h;
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
      unsigned char f[6];
      if (!in.read(reinterpret_cast<char*>(f), sizeof f)) return h;
      h.bytes = f[0] > 8 ? 2 : 1;
      h.height = (f[1] << 8) | f[2];
      h.width = (f[3] << 8) | f[4];
      h.channels = f[5] == 1 ? 1 : 3;
      return h;
    }
    in.seekg(length - 2, std::ios::cur);
  }
  return h;
}

HeaderSize header_size(std::istream& in) {
  unsigned char b[26];
  in.clear();
  in.seekg(0);
  in.read(reinterpret_cast<char*>(b), sizeof b);
  const HeaderSize png = png_header(b, size_t(in.gcount()));
  return png.width > 0 ? png : jpeg_header(in);
}

// OpenCV's limit on the pixels of an image it decodes (its environment
// variable, as OpenCV reads it; 2^30 by default).
double pixel_limit() {
  const char* e = std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS");
  char* end = nullptr;
  const double v = e && *e ? std::strtod(e, &end) : 0;
  return v > 0 && end && *end == '\0' ? v : double(1 << 30);
}

std::string pixel_limit_text() {
  const double limit = pixel_limit();
  if (limit == double(1 << 30)) return "the 1 gigapixel limit (1073741824 pixels)";
  return "the limit of " + std::to_string(int64_t(limit)) + " pixels (OPENCV_IO_MAX_IMAGE_PIXELS)";
}

}  // namespace

Image load_image(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("cannot open image '" + path + "': it is a folder, not a file");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw Error("cannot open image '" + path + "': file does not exist or is not readable");
  probe.seekg(0, std::ios::end);
  if (probe.tellg() <= 0) throw Error("image '" + path + "' is empty");
  // A small file may claim a huge image: refuse before decoding one that
  // would not fit in memory (the decoded samples, their RGB copy and our
  // float image).
  const HeaderSize head = header_size(probe);
  const std::string size_text = std::to_string(head.width) + " x " + std::to_string(head.height) + " pixels";
  const auto too_many_pixels = [&](const std::string& size) {
    return Error("image '" + path + "'" + (size.empty() ? " has" : " is " + size + ",") + " more than " +
                 pixel_limit_text() + " this program reads");
  };
  if (head.width > 0 && head.height > 0) {
    if (double(head.width) * head.height > pixel_limit()) throw too_many_pixels(size_text);
    if (std::max(head.width, head.height) > (1 << 20))  // OpenCV's limit on either side
      throw Error("image '" + path + "' is " + size_text + ", more than the 1048576 pixels a side this program reads");
    const double need = double(head.width) * head.height * head.channels * (2.0 * head.bytes + 4);
    const double avail = double(available_memory_bytes());
    if (avail > 0 && need > avail)
      throw Error("image '" + path + "' is " + size_text + ": reading it needs about " + gib(need) +
                  " of memory, but only " + gib(avail) + " is available");
  }
  cv::Mat m;
  try {
    m = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    // OpenCV refuses images of more than pixel_limit() pixels from their
    // header, in its own words: say it in ours.
    if (std::string(e.what()).find("CV_IO_MAX_IMAGE_PIXELS") != std::string::npos)
      throw too_many_pixels(head.width > 0 ? size_text : "");
    throw Error("cannot decode image '" + path + "': " + e.what());
  }
  if (m.empty()) throw Error("cannot decode image '" + path + "': not an image format OpenCV can read, or the file is corrupt");
  const int ch = m.channels();
  if (ch != 1 && ch != 3 && ch != 4) throw Error("image '" + path + "' has an unsupported channel count");
  // OpenCV stores BGR(A); we use RGB(A).
  if (ch == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  if (ch == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2RGBA);
  if (!m.isContinuous()) m = m.clone();
  switch (m.depth()) {
    case CV_8U: return from_u8(m.ptr<uint8_t>(), m.cols, m.rows, ch);
    case CV_16U: return from_u16(m.ptr<uint16_t>(), m.cols, m.rows, ch);
    case CV_32F: {
      Image img(m.cols, m.rows, ch);
      std::copy(m.ptr<float>(), m.ptr<float>() + img.data.size(), img.data.begin());
      return img;
    }
    default: throw Error("image '" + path + "' has an unsupported sample type");
  }
}

void save_image(const Image& img, const std::string& path) {
  check_shape(img.width, img.height, img.channels);
  Image im = img.channels == 2 ? convert_channels(img, 4) : img;
  std::vector<uint8_t> px = to_u8(im);
  cv::Mat m(im.height, im.width, CV_8UC(im.channels), px.data());
  if (im.channels == 3) cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
  if (im.channels == 4) cv::cvtColor(m, m, cv::COLOR_RGBA2BGRA);
  if (!cv::haveImageWriter(path)) {
    const std::string ext = std::filesystem::path(path).extension().string();
    throw Error("cannot write '" + path + "': " +
                (ext.empty() ? std::string("the file name has no extension") : "'" + ext + "' is not an image format") +
                " (use .png, .jpg, .tif, .webp or .bmp)");
  }
  bool ok = false;
  try {
    ok = cv::imwrite(path, m);
  } catch (const cv::Exception& e) {
    throw Error("cannot write '" + path + "': " + e.what());
  }
  if (!ok) throw Error("cannot write '" + path + "': unknown file extension or folder not writable");
}

}  // namespace nst

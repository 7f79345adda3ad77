// Shared by the libFuzzer harnesses (tests/fuzz/): the loaders read files, so
// each input is written to files in a scratch folder of this process first.
// A harness lets only nst::Error through to its catch: any other exception
// (a library's own words), a crash, a leak or undefined behaviour (the
// harnesses are built with ASan and UBSan) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace fuzz {

class Scratch {
 public:
  Scratch() : dir_(std::filesystem::temp_directory_path() / ("nst-fuzz-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Writes `size` bytes to the file `name` in the folder; returns its path.
  std::string write(const std::string& name, const uint8_t* data, size_t size) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return path;
  }

 private:
  std::filesystem::path dir_;
};

inline const Scratch& scratch() {
  static const Scratch s;
  return s;
}

// An input holding two files: the bytes before the first NUL (a JSON text
// has none) and those after it.
struct Parts {
  const uint8_t* first;
  size_t first_size;
  const uint8_t* second;
  size_t second_size;
};
inline Parts split(const uint8_t* data, size_t size) {
  const void* nul = std::memchr(data, 0, size);
  if (!nul) return {data, size, data + size, 0};
  const size_t n = size_t(static_cast<const uint8_t*>(nul) - data);
  return {data, n, data + n + 1, size - n - 1};
}

}  // namespace fuzz

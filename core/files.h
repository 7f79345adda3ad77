// The questions the loaders ask about paths, on std::filesystem and never
// throwing (a path that cannot be examined counts as absent). Internal to core/.
#pragma once

#include <filesystem>
#include <string>

namespace nst::files {

inline bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}
inline bool is_dir(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}
// The last component, trailing slashes ignored: "/x/wave/" -> "wave".
inline std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return std::filesystem::path(path).filename().string();
}
// The last component without its extension: "/x/udnie.pth" -> "udnie" (".pth" stays ".pth").
inline std::string stem(const std::string& path) { return std::filesystem::path(base_name(path)).stem().string(); }
// Whether the last component ends in `ext` (with its dot: ".json").
inline bool has_extension(const std::string& path, const char* ext) {
  return std::filesystem::path(base_name(path)).extension() == ext;
}

}  // namespace nst::files

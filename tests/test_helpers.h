// Helpers shared by the gtest programs: paths from the test environment
// (tests/meson.build sets them), scratch folders, error messages, and the
// rule for tests that need ../shared.
//
// ../shared (the real networks, paintings and photos; never copied into the
// repository) may be absent on a user's machine: a test that needs it then
// skips and says which file is missing. Where NST_REQUIRE_SHARED is set
// (.ci/run sets it when ../shared is beside the checkout) the same test
// fails instead, so a skipped real-model test cannot pass CI unnoticed.
#pragma once

#include "nst.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace nst_test {

// The environment variable `name`, or `fallback` when unset or empty.
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

inline bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// ../shared, as tests/meson.build passes it (NST_SHARED).
inline const std::string& shared_dir() {
  static const std::string dir = env_or("NST_SHARED", "../shared");
  return dir;
}
// Generated fixtures (NST_FIXTURES: the test build folder).
inline const std::string& fixtures_dir() {
  static const std::string dir = env_or("NST_FIXTURES", "tests/fixtures");
  return dir;
}

// The first of `paths` (relative to ../shared) that is missing, or "".
inline std::string missing_shared(std::initializer_list<const char*> paths) {
  for (const char* p : paths)
    if (!exists(shared_dir() + "/" + p)) return shared_dir() + "/" + p;
  return "";
}
// Whether a missing ../shared file is a failure (NST_REQUIRE_SHARED set).
inline bool shared_required() { return !env_or("NST_REQUIRE_SHARED", "").empty(); }

// A new empty folder under gtest's TempDir() (shared by every run, so each
// test gets its own), removed when the test program ends.
inline std::string fresh_dir(const std::string& name) {
  std::string templ = testing::TempDir() + "/nst-" + name + "-XXXXXX";
  if (!mkdtemp(&templ[0])) ADD_FAILURE() << "mkdtemp failed for " << templ;
  static std::vector<std::string> made;
  if (made.empty())
    std::atexit([] {
      std::error_code ec;
      for (const auto& d : made) std::filesystem::remove_all(d, ec);
    });
  made.push_back(templ);
  return templ;
}

// The message of the nst::Error thrown by f, or "" when none was thrown.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nst::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace nst_test

// Skips the test (or fails it, under NST_REQUIRE_SHARED) unless every path
// (relative to ../shared) exists: REQUIRE_SHARED("models/darknet-tiny/model.json").
#define REQUIRE_SHARED(...)                                                                                   \
  do {                                                                                                        \
    const std::string nst_missing_ = nst_test::missing_shared({__VA_ARGS__});                                 \
    if (!nst_missing_.empty()) {                                                                              \
      if (nst_test::shared_required())                                                                        \
        FAIL() << nst_missing_ << " is missing, and NST_REQUIRE_SHARED says ../shared must be complete here"; \
      GTEST_SKIP() << "needs " << nst_missing_ << " (../shared: the real networks and images); absent here";   \
    }                                                                                                         \
  } while (0)

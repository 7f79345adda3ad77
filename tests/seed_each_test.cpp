// Linked into the LibTorch test programs: every test starts from the same
// ATen random state, so a test's random tensors are the same in every run and
// under any --gtest_filter. LibTorch seeds its default CPU generator from the
// OS otherwise, which once let a rare input fail a tolerance in CI only.
#include <ATen/Context.h>
#include <gtest/gtest.h>

namespace {

class SeedEachTest : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { at::manual_seed(20261122); }
};

const bool registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new SeedEachTest);
  return true;
}();

}  // namespace

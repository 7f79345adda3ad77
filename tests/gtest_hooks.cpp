// Linked into the LibTorch test programs, two hooks on googletest's run:
//
// Every test starts from the same ATen random state, so a test's random
// tensors are the same in every run and under any --gtest_filter. LibTorch
// seeds its default CPU generator from the OS otherwise, which once let a rare
// input fail a tolerance in CI only.
//
// With NST_SKIP_IF_CAP_CHANGES_NOTHING=1 (the "(AVX2 cap)" repeats of the
// slow suites, tests/meson.build) the program skips (exit status 77, meson's
// SKIP) when the cap (ONEDNN_MAX_CPU_ISA=AVX2) takes nothing away from this CPU (no
// AVX-512, no AVX-VNNI, no AMX): the uncapped run of the same suite already ran
// the same code paths.
#include "cpu.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

class SeedEachTest : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { at::manual_seed(20261122); }
};

// Whether a cap (ONEDNN_MAX_CPU_ISA, as core/cpu.h reads it) that keeps AVX2
// leaves this CPU's instruction sets as they are: nothing above AVX2 in its flags.
bool cap_changes_nothing() {
  return nst::cpu::capped() && nst::cpu::has_avx2() && !nst::cpu::has_flag("avx512f") &&
         !nst::cpu::has_flag("avx_vnni") && !nst::cpu::has_flag("amx_tile");
}

class SkipRepeatUnderCap : public ::testing::EmptyTestEventListener {
  void OnTestProgramStart(const ::testing::UnitTest&) override {
    const char* e = std::getenv("NST_SKIP_IF_CAP_CHANGES_NOTHING");
    if (!e || std::string(e) != "1" || !cap_changes_nothing()) return;
    std::printf("SKIPPED: this CPU has nothing above AVX2 (no avx512f, avx_vnni or amx_tile in /proc/cpuinfo), so "
                "the ONEDNN_MAX_CPU_ISA cap changes nothing: the suite's uncapped run covers these paths\n");
    std::fflush(stdout);
    std::_Exit(77);
  }
};

const bool registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new SeedEachTest);
  ::testing::UnitTest::GetInstance()->listeners().Append(new SkipRepeatUnderCap);
  return true;
}();

}  // namespace

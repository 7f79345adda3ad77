#include "cpu.h"

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace nst::cpu {
namespace {

// oneDNN's ISA names in its own order (dnnl_cpu_isa_t); the cap is the rank
// of ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA), or no cap.
enum Rank { kSse41 = 1, kAvx, kAvx2, kAvx2Vnni, kAvx512Core, kAvx512Vnni, kAvx512Bf16, kAmx, kNoCap };

Rank cap() {
  static const Rank r = [] {
    const char* e = std::getenv("ONEDNN_MAX_CPU_ISA");
    if (!e || !*e) e = std::getenv("DNNL_MAX_CPU_ISA");
    if (!e || !*e) return kNoCap;
    std::string s(e);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
    if (s == "ALL") return kNoCap;
    if (s.rfind("AVX512_CORE_AMX", 0) == 0) return kAmx;
    if (s == "AVX512_CORE_BF16") return kAvx512Bf16;
    if (s == "AVX512_CORE_VNNI") return kAvx512Vnni;
    if (s.rfind("AVX512", 0) == 0) return kAvx512Core;  // AVX512_CORE, AVX512_MIC*
    if (s == "AVX2_VNNI") return kAvx2Vnni;
    if (s == "AVX2") return kAvx2;
    if (s == "AVX") return kAvx;
    return kSse41;  // SSE41 or anything older
  }();
  return r;
}

}  // namespace

bool capped() { return cap() != kNoCap; }

bool has_flag(const std::string& flag) {
  static const std::string flags = [] {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("flags", 0) == 0) return line + " ";
    return std::string();
  }();
  return flags.find(" " + flag + " ") != std::string::npos;
}

bool has_avx2() { return cap() >= kAvx2 && has_flag("avx2") && has_flag("fma"); }

bool has_avx512() {
  if (cap() < kAvx512Core) return false;
  for (const char* flag : {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"})
    if (!has_flag(flag)) return false;
  return true;
}

bool has_vnni() { return cap() >= kAvx512Vnni && has_avx512() && has_flag("avx512_vnni"); }

bool has_bf16() {
  return (cap() >= kAvx512Bf16 && has_avx512() && has_flag("avx512_bf16")) || has_amx_bf16();
}

bool has_amx_bf16() { return cap() >= kAmx && has_flag("amx_bf16") && has_flag("amx_tile"); }

std::string describe() {
  std::string s;
  if (has_avx512()) {
    s = "AVX-512";
    std::string with;
    if (has_vnni()) with = "VNNI";
    if (has_flag("avx512_bf16") && cap() >= kAvx512Bf16) with += with.empty() ? "BF16" : ", BF16";
    if (has_amx_bf16()) with += with.empty() ? "AMX" : " and AMX";
    if (!with.empty()) s += " with " + with;
    if (!has_bf16()) s += ", no bf16";
  } else if (has_avx2()) {
    s = "AVX2 and FMA, no AVX-512";
  } else {
    s = "no AVX2";
  }
  if (capped()) s += " (capped by ONEDNN_MAX_CPU_ISA)";
  return s;
}

std::string bf16_refusal() {
  return "bf16 precision needs a CPU with AVX512-BF16 or AMX; this one has " + describe() + ": use fp32 or auto";
}

void apply_cap_to_highway() {
#if HWY_ARCH_X86
  static std::once_flag once;
  std::call_once(once, [] {
    // x86 targets better than AVX2 have the lower bits (AVX3, AVX3_DL, ...).
    int64_t off = 0;
    if (!has_avx512()) off |= HWY_AVX2 - 1;
    if (!has_avx2()) off |= HWY_AVX2;
    if (off) hwy::DisableTargets(off);
  });
#endif
}

}  // namespace nst::cpu

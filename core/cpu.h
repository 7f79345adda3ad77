// What this CPU can run: the instruction sets the engine chooses its paths
// by (AVX2, AVX-512, VNNI, bf16, AMX). Internal to core/.
//
// The answers are the CPU's flags (/proc/cpuinfo) capped by ONEDNN_MAX_CPU_ISA
// when that is set (oneDNN's own variable, with oneDNN's names: SSE41, AVX2,
// AVX512_CORE, AVX512_CORE_VNNI, AVX512_CORE_BF16, AVX512_CORE_AMX, ...). So
// ONEDNN_MAX_CPU_ISA=AVX2 makes oneDNN, the Highway kernels and every
// precision choice behave as on an AVX2-only CPU.
#pragma once

#include <string>

namespace nst::cpu {

// Whether /proc/cpuinfo lists `flag` (e.g. "avx512_vnni"), whatever the cap.
bool has_flag(const std::string& flag);
// AVX2 with FMA.
bool has_avx2();
// AVX-512 F, BW, DQ, VL and CD (Skylake-X and later, Zen 4).
bool has_avx512();
// AVX-512 VNNI: int8 dot products in one instruction.
bool has_vnni();
// Native bf16 arithmetic: AVX512-BF16 or AMX-BF16.
bool has_bf16();
// AMX-BF16 tiles.
bool has_amx_bf16();
// The sentence that refuses bf16 on a CPU without it (has_bf16() false).
std::string bf16_refusal();
// Whether ONEDNN_MAX_CPU_ISA caps what the CPU has.
bool capped();
// One phrase for messages, e.g. "AVX2 and FMA, no AVX-512" or
// "AVX-512 with VNNI, BF16 and AMX"; says when ONEDNN_MAX_CPU_ISA caps it.
std::string describe();

// Makes Highway's run-time dispatch (the Winograd, Gram and element-wise
// kernels) pick no target above the cap. Called by the kernels' entry points.
void apply_cap_to_highway();

}  // namespace nst::cpu

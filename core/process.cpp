// Process-wide thread settings. See prefer_passive_threads() in nst.h.
//
// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main). Its
// default lets idle OpenMP threads spin after every parallel region, and on
// a 2-core machine they then steal the cores from OpenBLAS's own threads (the
// Gram matrices): a Darknet-tiny step at 512 px took 1.1-1.5 s instead of
// 0.55 s, and a 60-iteration plug-in run at 384 px 20-24 s instead of 10-12 s.
// Debian's OpenBLAS 0.3.21 does not know Sapphire Rapids and falls back to
// its generic kernels there; with AVX-512 present, the same re-run asks for
// its Skylake-X kernels (OPENBLAS_CORETYPE, unless set): the Gram matrices of
// a VGG-19 step at 512 px, ~2.3 -> ~2.0 s per step.
#include "networks.h"
#include "nst.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace nst {
namespace {

bool has_avx512_skx() {
  for (const char* flag : {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"})
    if (!cpu_has_flag(flag)) return false;
  return true;
}

}  // namespace

void prefer_passive_threads(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  if (!std::getenv("OPENBLAS_CORETYPE") && has_avx512_skx()) setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
}

}  // namespace nst

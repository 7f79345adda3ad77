// Process-wide settings internal to core/ (process.cpp). The public ones
// (prefer_passive_threads, the memory readings) are in nst.h.
#pragma once

#include <string>

namespace nst {

// "1.5 GiB": a byte count for messages (3 significant digits from 10 GiB).
std::string gib(double bytes);

// Makes ATen's CPU tensors of 4 MB and more come from one arena in
// transparent huge pages that stays mapped (process.cpp); called by the
// direct oneDNN paths (the optimisation step, the fast networks) before
// their first run. Does nothing in builds without the direct oneDNN path.
void use_huge_pages_for_large_tensors();

}  // namespace nst

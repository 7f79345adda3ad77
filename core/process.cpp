// Process-wide settings: threads (prefer_passive_threads() in nst.h) and
// memory (use_huge_pages_for_large_tensors() in process.h), and the
// process's memory use (resident_memory_bytes(), peak_memory_bytes()).
//
// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main). Its
// default lets idle OpenMP threads spin after every parallel region, and on
// a 2-core machine they then steal the cores from OpenBLAS's own threads (the
// Gram matrices): a Darknet-tiny step at 512 px took 1.1-1.5 s instead of
// 0.55 s, and a 60-iteration plug-in run at 384 px 20-24 s instead of 10-12 s.
// Debian's OpenBLAS 0.3.21 does not know Sapphire Rapids and falls back to
// its generic kernels there; with AVX-512 present, the same re-run asks for
// its Skylake-X kernels (OPENBLAS_CORETYPE, unless set): the Gram matrices of
// a VGG-19 step at 512 px, ~2.3 -> ~2.0 s per step. It also stops OpenBLAS's
// idle threads from spinning (OPENBLAS_THREAD_TIMEOUT, below).
#include "cpu.h"
#include "process.h"
#include "nst.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <torch/version.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

namespace nst {
namespace {

#ifdef NST_HAVE_DNNL
// (Only the oneDNN step uses it. LibTorch 2.3 made c10::Allocator::allocate
// non-const and added copy_data: both interfaces are followed below.)
// An optimisation step allocates and frees the same large activation and
// gradient buffers every iteration (hundreds of MB at 1024 px). glibc hands
// blocks over 32 MB straight back to the kernel, so every step page-faulted
// them in again, 4 KB at a time: touching 256 MB took ~100 ms here, ~32 ms in
// 2 MB pages. So tensors of 4 MB and more come from one arena of address
// space in transparent huge pages (madvise, which Debian's default THP
// setting honours): from the largest freed range (neighbours merged), else
// from the top. Its pages stay mapped once touched, so a step reuses the
// previous step's memory without faults, and the arena's size is the most
// that was ever in use at once plus what fragmentation adds: replaying the
// VGG-19 step's requests, +7 % at 512 px and +14 % at 1024 px with the
// largest range, +39 % / +40 % with the best-fitting one. (A cache that
// kept freed blocks for requests of up to 1.25x their size within the most
// ever in use did not fit a step's sizes together: ~50 of its ~170 large
// requests per VGG-19 step at 512 px still mapped new memory.) Smaller
// tensors, and any that do not fit in the arena, keep ATen's own allocator.
class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(c10::Allocator* small) {
    State& st = state();
    st.small = small;
    st.small_free = small->raw_deleter();
    // Address space only (no memory until touched): as much as the machine has.
    const size_t ram = size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGESIZE));
    const size_t len = (ram / kHuge + 1) * kHuge;
    void* raw = mmap(nullptr, len + kHuge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return;  // ATen's allocator for everything
    st.base = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) / kHuge * kHuge);
    st.reserved = len;
  }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t n) override { return take_or_pass(n); }
  void copy_data(void* dest, const void* src, size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return take_or_pass(n); }
#endif
  // ATen's raw_allocate() needs data == context and this deleter for both kinds.
  c10::DeleterFnPtr raw_deleter() const override { return state().small_free ? &release : nullptr; }

 private:
  c10::DataPtr take_or_pass(size_t n) const {
    State& st = state();
    if (n >= kLarge && st.small_free && st.base) {
      const size_t len = (n + kGrain - 1) / kGrain * kGrain;
      std::lock_guard<std::mutex> lock(st.mutex);
      if (void* p = st.take(len)) {
        st.sizes[p] = len;
        return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
      }
    }
    return st.small->allocate(n);
  }
  static constexpr size_t kLarge = size_t(4) << 20, kHuge = size_t(2) << 20, kGrain = size_t(64) << 10;
  struct State {
    c10::Allocator* small = nullptr;
    c10::DeleterFnPtr small_free = nullptr;
    std::mutex mutex;
    char* base = nullptr;  // the arena: [base, base + reserved), usable up to `committed`
    size_t reserved = 0, committed = 0, top = 0;  // [top, reserved) is free
    std::map<size_t, size_t> free;                // freed ranges below top: offset -> length
    std::unordered_map<void*, size_t> sizes;      // blocks in use -> length
    void* take(size_t len) {
      auto best = free.end();  // the largest freed range (see above)
      for (auto it = free.begin(); it != free.end(); ++it)
        if (it->second >= len && (best == free.end() || it->second > best->second)) best = it;
      size_t off;
      if (best != free.end()) {
        off = best->first;
        if (best->second > len) free.emplace(off + len, best->second - len);
        free.erase(best);
      } else {
        if (reserved - top < len) return nullptr;
        off = top;
        top += len;
        if (top > committed) {  // make more of the arena usable, in 64 MB steps
          const size_t step = size_t(64) << 20, upto = std::min(reserved, (top + step - 1) / step * step);
          if (mprotect(base + committed, upto - committed, PROT_READ | PROT_WRITE) != 0) {
            top -= len;
            return nullptr;
          }
          madvise(base + committed, upto - committed, MADV_HUGEPAGE);  // a hint: without THP, ordinary pages
          committed = upto;
        }
      }
      return base + off;
    }
    void give(size_t off, size_t len) {
      auto next = free.lower_bound(off);
      if (next != free.end() && next->first == off + len) {  // merge with the range above
        len += next->second;
        next = free.erase(next);
      }
      if (next != free.begin()) {  // and with the range below
        auto prev = std::prev(next);
        if (prev->first + prev->second == off) {
          off = prev->first;
          len += prev->second;
          free.erase(prev);
        }
      }
      if (off + len == top) top = off;  // back to the top (its pages stay mapped)
      else free.emplace(off, len);
    }
  };
  // Never destroyed: tensors held by static objects are freed after exit().
  static State& state() {
    static State* s = new State;
    return *s;
  }
  static void release(void* p) {
    State& st = state();
    {
      std::lock_guard<std::mutex> lock(st.mutex);
      auto it = st.sizes.find(p);
      if (it != st.sizes.end()) {
        st.give(size_t(static_cast<char*>(p) - st.base), it->second);
        st.sizes.erase(it);
        return;
      }
    }
    st.small_free(p);
  }
};
#endif

}  // namespace

void use_huge_pages_for_large_tensors() {
#ifdef NST_HAVE_DNNL
  static std::once_flag once;
  std::call_once(once, [] {
    static HugePageAllocator allocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
  });
#endif
}

void prefer_passive_threads(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  // OpenBLAS's own threads (the Gram matrices) otherwise wait for work in a
  // sched_yield() loop for 2^28 cycles after every call, ~8 % of a VGG-19
  // step at 512 px here; 2^4 (the least) puts them to sleep at once.
  if (!std::getenv("OPENBLAS_THREAD_TIMEOUT")) setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
  // Its Skylake-X kernels on AVX-512 CPUs; under an AVX2 cap (cpu.h) its Haswell ones, as on an AVX2 CPU.
  if (!std::getenv("OPENBLAS_CORETYPE") && cpu::has_avx512()) setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1);
  else if (!std::getenv("OPENBLAS_CORETYPE") && cpu::capped() && cpu::has_avx2()) setenv("OPENBLAS_CORETYPE", "HASWELL", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
}

namespace {
// The value of `key` ("VmHWM:") in /proc/self/status, in bytes.
int64_t proc_status_bytes(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string k;
  while (f >> k) {
    if (k == key) {
      int64_t kb = 0;
      f >> kb;
      return kb * 1024;
    }
    f.ignore(1 << 12, '\n');
  }
  return 0;
}
}  // namespace

int64_t resident_memory_bytes() { return proc_status_bytes("VmRSS:"); }
int64_t peak_memory_bytes() { return proc_status_bytes("VmHWM:"); }

std::string gib(double bytes) {
  std::ostringstream s;
  s.precision(bytes < 10.0 * (1 << 30) ? 2 : 3);
  s << bytes / double(1 << 30) << " GiB";
  return s.str();
}

int64_t available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  while (f >> key >> kb) {
    if (key == "MemAvailable:") return kb * 1024;
    f.ignore(256, '\n');
  }
  return 0;
}

}  // namespace nst

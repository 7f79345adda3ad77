// Process-wide settings: threads (prefer_passive_threads() in nst.h) and
// memory (use_huge_pages_for_large_tensors() in networks.h).
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
#include "networks.h"
#include "nst.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace nst {
namespace {

bool has_avx512_skx() {
  for (const char* flag : {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"})
    if (!cpu_has_flag(flag)) return false;
  return true;
}

#ifdef NST_HAVE_DNNL
// (Only the oneDNN step uses it, and that is built against LibTorch 1.x, whose
// c10::Allocator interface this follows; LibTorch 2.x changed it.)
// An optimisation step allocates and frees the same large activation and
// gradient buffers every iteration (hundreds of MB at 1024 px). glibc hands
// blocks over 32 MB straight back to the kernel, so every step page-faulted
// them in again, 4 KB at a time: touching 256 MB took ~100 ms here, ~32 ms in
// 2 MB pages. So tensors of 4 MB and more get their own mappings in
// transparent huge pages (madvise, which Debian's default THP setting
// honours), and freed ones are kept for the next request of their size (or
// up to 1.25 times it), as long as kept + in use stays within the most that
// was ever in use at once (so the peak memory does not grow; the oldest go
// first). Smaller tensors keep ATen's own allocator. Measurements: README,
// "Speed of the optimisation" (reusing blocks up to 2x the size was no
// faster and raised the 1024 px step's peak RSS by 11 %).
class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(c10::Allocator* small) {
    state().small = small;
    state().small_free = small->raw_deleter();
  }
  c10::DataPtr allocate(size_t n) const override {
    State& st = state();
    if (n < kLarge || !st.small_free) return st.small->allocate(n);
    size_t len = (n + kHuge - 1) / kHuge * kHuge;
    void* p = nullptr;
    {
      std::lock_guard<std::mutex> lock(st.mutex);
      // The smallest kept block of at least len and at most 1.25 times that.
      auto best = st.cache.end();
      for (auto it = st.cache.begin(); it != st.cache.end(); ++it)
        if (it->second >= len && it->second <= len + len / 4 && (best == st.cache.end() || it->second < best->second))
          best = it;
      if (best != st.cache.end()) {
        p = best->first;
        len = best->second;
        st.cached -= len;
        st.cache.erase(best);
      }
      st.live += len;
      if (!p) {
        st.high = std::max(st.high, st.live);
        while (st.live + st.cached > st.high) st.evict_oldest();
      }
    }
    if (!p) {
      void* raw = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw == MAP_FAILED) {
        std::lock_guard<std::mutex> lock(st.mutex);
        st.live -= len;
        TORCH_CHECK(false, "not enough memory: failed to allocate ", n, " bytes");
      }
      // Align to a 2 MB boundary; give the rest back.
      const uintptr_t start = reinterpret_cast<uintptr_t>(raw), aligned = (start + kHuge - 1) / kHuge * kHuge;
      if (aligned > start) munmap(raw, aligned - start);
      munmap(reinterpret_cast<void*>(aligned + len), start + kHuge - aligned);
      p = reinterpret_cast<void*>(aligned);
      madvise(p, len, MADV_HUGEPAGE);  // a hint: without THP these are ordinary pages
    }
    std::lock_guard<std::mutex> lock(st.mutex);
    st.sizes[p] = len;
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }
  // ATen's raw_allocate() needs data == context and this deleter for both kinds.
  c10::DeleterFnPtr raw_deleter() const override { return state().small_free ? &release : nullptr; }

 private:
  static constexpr size_t kLarge = size_t(4) << 20, kHuge = size_t(2) << 20;
  struct State {
    c10::Allocator* small = nullptr;
    c10::DeleterFnPtr small_free = nullptr;
    std::mutex mutex;
    // Large blocks: bytes in use, the most ever in use at once, bytes kept;
    // the sizes of those in use; those kept (address, size), oldest first.
    size_t live = 0, high = 0, cached = 0;
    std::unordered_map<void*, size_t> sizes;
    std::deque<std::pair<void*, size_t>> cache;
    void evict_oldest() {
      munmap(cache.front().first, cache.front().second);
      cached -= cache.front().second;
      cache.pop_front();
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
        st.live -= it->second;
        st.cached += it->second;
        st.cache.emplace_back(p, it->second);
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
  if (!std::getenv("OPENBLAS_CORETYPE") && has_avx512_skx()) setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
}

}  // namespace nst

#include "sim/fiber_stacks.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace lcperf::sim {

namespace {

// Stacks mapped together: one mmap instead of sixteen, without mapping far more than
// a small simulation uses.
constexpr std::size_t kStacksPerSlab = 16;

struct StackPool {
  std::mutex lock;
  std::map<std::size_t, std::vector<void*>> free_by_size;  // by FiberStack::bytes
};

StackPool& pool() {
  // Never destroyed: fibers of other threads or of static objects may give stacks back
  // during exit.
  static auto* const instance = new StackPool();
  return *instance;
}

std::size_t page_size() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

FiberStack take_fiber_stack(std::size_t usable_bytes) {
  const std::size_t page = page_size();
  const std::size_t bytes = (usable_bytes + page - 1) / page * page + page;
  StackPool& p = pool();
  const std::lock_guard<std::mutex> guard(p.lock);
  std::vector<void*>& free = p.free_by_size[bytes];
  if (free.empty()) {
    void* slab = mmap(nullptr, bytes * kStacksPerSlab, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (slab == MAP_FAILED) throw std::bad_alloc();
    // Handed out from the slab's start, so the last stack is taken first.
    for (std::size_t i = kStacksPerSlab; i-- > 0;) {
      char* base = static_cast<char*>(slab) + i * bytes;
      mprotect(base, page, PROT_NONE);  // the guard page: stacks grow down onto it
      free.push_back(base);
    }
  }
  void* base = free.back();
  free.pop_back();
  return FiberStack{base, bytes};
}

void give_back_fiber_stack(FiberStack stack) {
  if (stack.base == nullptr) return;
  StackPool& p = pool();
  const std::lock_guard<std::mutex> guard(p.lock);
  p.free_by_size[stack.bytes].push_back(stack.base);
}

}  // namespace lcperf::sim

#pragma once
// Stacks for fibers (fiber.hpp), each with a guard page below it so that an overflow
// faults instead of corrupting a neighbour. A simulation makes thousands of actors and
// a stack each: mapping, guarding and unmapping them one by one cost three system calls
// per actor (a twelfth of the native engine's time on a 1,024-GPU case). So stacks are
// mapped in slabs and a released stack goes to a free list for the next fiber, in this
// simulation or a later one in the same process (a sweep); they are unmapped only at
// exit. What a stack has touched stays resident meanwhile: a few pages per stack.
#include <cstddef>

namespace lcperf::sim {

struct FiberStack {
  void* base = nullptr;  // the guard page; the stack is the rest, growing down to it
  std::size_t bytes = 0;  // guard page included
};

// A stack with at least `usable_bytes` above its guard page. Throws std::bad_alloc when
// no memory can be mapped.
FiberStack take_fiber_stack(std::size_t usable_bytes);
// Gives `stack` (from take_fiber_stack) back for reuse.
void give_back_fiber_stack(FiberStack stack);

}  // namespace lcperf::sim

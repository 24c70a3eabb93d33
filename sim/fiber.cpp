#include "sim/fiber.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>

#if !defined(__x86_64__) || defined(LCPERF_FIBER_UCONTEXT)
#include <ucontext.h>
#endif

#if defined(__GLIBCXX__)
namespace __cxxabiv1 {
struct __cxa_eh_globals;
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1
#endif

namespace lcperf::sim {

namespace {

#if defined(__GLIBCXX__)
// libstdc++'s layout of __cxa_eh_globals (stable ABI).
struct EhGlobals {
  void* caught;
  unsigned uncaught;
};
// Fixed for the thread's life: asked once, as every switch needs it (the call goes
// through the dynamic TLS lookup each time).
EhGlobals* eh_globals() {
  thread_local EhGlobals* const globals = reinterpret_cast<EhGlobals*>(__cxxabiv1::__cxa_get_globals());
  return globals;
}
#endif

}  // namespace

#if defined(__x86_64__) && !defined(LCPERF_FIBER_UCONTEXT)

// lcperf_fiber_switch(void** save_sp, void* load_sp): pushes the callee-saved registers
// and the x87 control word / MXCSR on the current stack, stores the stack pointer, loads
// the other one and pops the same frame from it. lcperf_fiber_start is where a fresh
// fiber "returns" to: its frame holds the entry in r13 and its argument in r12.
asm(R"(
  .text
  .p2align 4
  .globl lcperf_fiber_switch
  .hidden lcperf_fiber_switch
  .type lcperf_fiber_switch, @function
lcperf_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  stmxcsr 8(%rsp)
  fnstcw (%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  fldcw (%rsp)
  ldmxcsr 8(%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size lcperf_fiber_switch, .-lcperf_fiber_switch

  .p2align 4
  .globl lcperf_fiber_start
  .hidden lcperf_fiber_start
  .type lcperf_fiber_start, @function
lcperf_fiber_start:
  movq %r12, %rdi
  andq $-16, %rsp
  callq *%r13
  ud2
  .size lcperf_fiber_start, .-lcperf_fiber_start
)");

extern "C" void lcperf_fiber_switch(void** save_sp, void* load_sp);
extern "C" void lcperf_fiber_start();

#else

namespace {
void ucontext_entry(unsigned hi, unsigned lo) {
  const std::uintptr_t bits = (static_cast<std::uintptr_t>(hi) << 32) | lo;
  auto* fiber = reinterpret_cast<Fiber*>(bits);
  fiber->run_entry();
}
}  // namespace

#endif

Fiber::Fiber() {
#if !defined(__x86_64__) || defined(LCPERF_FIBER_UCONTEXT)
  context_ = new ucontext_t{};
#endif
}

Fiber::Fiber(std::size_t stack_bytes, Entry entry, void* arg) : entry_(entry), arg_(arg) {
  stack_ = take_fiber_stack(stack_bytes);
  char* top = static_cast<char*>(stack_.base) + stack_.bytes;
#if defined(__x86_64__) && !defined(LCPERF_FIBER_UCONTEXT)
  // The frame lcperf_fiber_switch pops: FPU control word + MXCSR, r15, r14, r13 (entry),
  // r12 (argument), rbx, rbp, then the return address lcperf_fiber_start.
  auto* sp = reinterpret_cast<std::uint64_t*>(top);
  *--sp = 0;  // keeps the start frame 16-byte aligned
  *--sp = reinterpret_cast<std::uint64_t>(&lcperf_fiber_start);
  *--sp = 0;                                      // rbp
  *--sp = 0;                                      // rbx
  *--sp = reinterpret_cast<std::uint64_t>(arg);   // r12
  *--sp = reinterpret_cast<std::uint64_t>(entry); // r13
  *--sp = 0;                                      // r14
  *--sp = 0;                                      // r15
  sp -= 2;
  // Lowest 16 bytes: FPU control word at +0, MXCSR at +8 (the ABI defaults).
  auto* words = reinterpret_cast<std::uint32_t*>(sp);
  words[0] = 0x037F;
  words[1] = 0;
  words[2] = 0x1F80;
  words[3] = 0;
  context_ = sp;
#else
  auto* uc = new ucontext_t{};
  getcontext(uc);
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  uc->uc_stack.ss_sp = static_cast<char*>(stack_.base) + page;
  uc->uc_stack.ss_size = stack_.bytes - page;
  uc->uc_link = nullptr;
  const auto bits = reinterpret_cast<std::uintptr_t>(this);
  makecontext(uc, reinterpret_cast<void (*)()>(&ucontext_entry), 2, static_cast<unsigned>(bits >> 32),
              static_cast<unsigned>(bits & 0xffffffffu));
  context_ = uc;
  (void)top;
#endif
}

Fiber::~Fiber() {
  give_back_fiber_stack(stack_);
#if !defined(__x86_64__) || defined(LCPERF_FIBER_UCONTEXT)
  delete static_cast<ucontext_t*>(context_);
#endif
}

void Fiber::switch_to(Fiber& from, Fiber& to) {
#if defined(__GLIBCXX__)
  EhGlobals* eh = eh_globals();
  from.eh_caught_ = eh->caught;
  from.eh_uncaught_ = eh->uncaught;
  eh->caught = to.eh_caught_;
  eh->uncaught = to.eh_uncaught_;
#endif
#if defined(__x86_64__) && !defined(LCPERF_FIBER_UCONTEXT)
  lcperf_fiber_switch(&from.context_, to.context_);
#else
  swapcontext(static_cast<ucontext_t*>(from.context_), static_cast<ucontext_t*>(to.context_));
#endif
}

}  // namespace lcperf::sim

#pragma once
// A stackful coroutine for the native engine's actors: its own stack (with a guard page
// below it, so an overflow faults instead of corrupting a neighbour; fiber_stacks.hpp) and a
// context switch that saves only what the System V ABI makes callee-saved. On x86-64
// the switch is a few instructions of assembly; elsewhere it falls back to ucontext.
#include <cstddef>

#include "sim/fiber_stacks.hpp"

namespace lcperf::sim {

class Fiber {
 public:
  using Entry = void (*)(void* arg);
  // The fiber runs entry(arg) when first switched to; entry must never return (it
  // switches away for good at its end).
  Fiber(std::size_t stack_bytes, Entry entry, void* arg);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Saves the running context into `from` and resumes `to`. A Fiber made with the
  // default constructor stands for the thread's own stack (the scheduler).
  static void switch_to(Fiber& from, Fiber& to);
  Fiber();

  void run_entry() { entry_(arg_); }  // the ucontext fallback's start

 private:
  FiberStack stack_;  // none for the thread's own stack
  void* context_ = nullptr;  // x86-64: saved stack pointer; otherwise a ucontext_t*
  // The C++ runtime's per-thread exception state (caught-exception chain, count of
  // exceptions in flight) belongs to whichever fiber runs: saved and restored on switch.
  void* eh_caught_ = nullptr;
  unsigned eh_uncaught_ = 0;
  Entry entry_ = nullptr;
  void* arg_ = nullptr;
};

}  // namespace lcperf::sim

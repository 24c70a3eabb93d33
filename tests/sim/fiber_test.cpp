// Fibers: control passes exactly where switch_to says, and each fiber keeps its own C++
// exception state (an actor switched out inside a catch block finds its exception again).
#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "sim/fiber.hpp"

namespace lcperf::sim {
namespace {

struct Trio {
  Fiber main;
  Fiber* a = nullptr;
  Fiber* b = nullptr;
  std::string log;
};
Trio* g_trio = nullptr;

void ping(void*) {
  for (int i = 0; i < 3; ++i) {
    g_trio->log += 'a';
    Fiber::switch_to(*g_trio->a, *g_trio->b);
  }
  Fiber::switch_to(*g_trio->a, g_trio->main);
}

void pong(void*) {
  for (int i = 0; i < 3; ++i) {
    g_trio->log += 'b';
    Fiber::switch_to(*g_trio->b, *g_trio->a);
  }
  Fiber::switch_to(*g_trio->b, g_trio->main);
}

// Runs fiber a (entry `first`) from the test's own stack, with fiber b (entry `second`)
// for it to switch to, until one of them switches back to the test.
void run_pair(Trio& trio, Fiber::Entry first, Fiber::Entry second) {
  g_trio = &trio;
  Fiber a(64 * 1024, first, nullptr);
  Fiber b(64 * 1024, second, nullptr);
  trio.a = &a;
  trio.b = &b;
  Fiber::switch_to(trio.main, a);
}

TEST(Fiber, ControlPassesWhereSwitchToSays) {
  Trio trio;
  run_pair(trio, &ping, &pong);
  EXPECT_EQ(trio.log, "ababab");
}

std::string g_seen;

void catcher(void*) {
  try {
    throw std::runtime_error("first");
  } catch (const std::exception&) {
    Fiber::switch_to(*g_trio->a, *g_trio->b);  // switched out inside the handler
    try {
      throw;  // rethrows this fiber's exception, not the other fiber's
    } catch (const std::exception& again) {
      g_seen += again.what();
    }
  }
  g_seen += std::uncaught_exceptions() == 0 ? ":clean" : ":dirty";
  Fiber::switch_to(*g_trio->a, *g_trio->b);  // lets the other leave its handler
}

void thrower(void*) {
  try {
    throw std::logic_error("second");
  } catch (const std::exception& e) {
    g_seen += e.what();
    g_seen += '|';
    Fiber::switch_to(*g_trio->b, *g_trio->a);  // switched out inside its handler too
  }
  Fiber::switch_to(*g_trio->b, g_trio->main);
}

TEST(Fiber, EachFiberKeepsItsOwnExceptionState) {
  Trio trio;
  run_pair(trio, &catcher, &thrower);
  EXPECT_EQ(g_seen, "second|first:clean");
  EXPECT_EQ(std::uncaught_exceptions(), 0);
  EXPECT_FALSE(std::current_exception());
}

}  // namespace
}  // namespace lcperf::sim

// The native event engine against hand-computed dates: CM02 transfers (latency, then
// weighted max-min shares with weight 1 / route latency), executions sharing a host,
// timers, mailbox rendezvous, kills, daemons and deadlocks. Each test case runs in its
// own process (gtest_discover_tests), so each builds its own SimGrid platform.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/hand_platform.hpp"
#include "sim/native_engine.hpp"

namespace lcperf::sim {
namespace {

// Two hosts joined by one link.
struct Pair {
  HandPlatform platform;
  EngineHost a = nullptr;
  EngineHost b = nullptr;
  Pair(double bandwidth, double latency) {
    a = platform.host("a");
    b = platform.host("b");
    platform.route(a, b, {platform.link("ab", bandwidth, latency)});
    platform.seal();
  }
};

constexpr double kTol = 1e-12;

TEST(NativeEngine, ALoneTransferTakesLatencyPlusVolumeOverBandwidth) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double put_end = -1;
  double get_end = -1;
  void* got = nullptr;
  int token = 7;
  engine->spawn("putter", net.a, [&] {
    engine->mailbox("m")->put(&token, 1000000);
    put_end = engine->clock();
  });
  engine->spawn("getter", net.b, [&] {
    got = engine->mailbox("m")->get();
    get_end = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(put_end, 1e-3 + 1e6 / 1e9, kTol);
  EXPECT_NEAR(get_end, 1e-3 + 1e6 / 1e9, kTol);
  EXPECT_EQ(got, &token);
}

TEST(NativeEngine, TwoTransfersOnOneLinkShareItEqually) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  std::vector<double> ends;
  for (int i = 0; i < 2; ++i) {
    engine->spawn("sender", net.a, [&] {
      engine->send_async(net.a, net.b, 1000000)->wait();
      ends.push_back(engine->clock());
    });
  }
  engine->run();
  ASSERT_EQ(ends.size(), 2u);
  for (double end : ends) EXPECT_NEAR(end, 1e-3 + 2e6 / 1e9, kTol);
}

// Flows from A (route latency 1 ms) and C (3 ms) share link S: weights 1/1 and 1/3, so
// A gets 3/4 of S while both move. A moves 2e6 alone in [1, 3] ms, then its last 2e6 at
// 0.75 GB/s; C's 1e6 end with S saturated throughout: 5e6 bytes from 1 ms at 1 GB/s.
TEST(NativeEngine, FlowsShareALinkInInverseProportionToTheirRouteLatency) {
  HandPlatform platform;
  auto* a = platform.host("a");
  auto* c = platform.host("c");
  auto* b = platform.host("b");
  const int shared = platform.link("s", 1e9, 0);
  platform.route(a, b, {platform.link("la", 1e12, 1e-3), shared});
  platform.route(c, b, {platform.link("lc", 1e12, 3e-3), shared});
  platform.seal();
  auto engine = make_native_engine();
  double a_end = -1;
  double c_end = -1;
  engine->spawn("a", a, [&] {
    engine->send_async(a, b, 4000000)->wait();
    a_end = engine->clock();
  });
  engine->spawn("c", c, [&] {
    engine->send_async(c, b, 1000000)->wait();
    c_end = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(a_end, 3e-3 + 2e6 / 0.75e9, 1e-12);
  EXPECT_NEAR(c_end, 1e-3 + 5e6 / 1e9, 1e-12);
}

// T1 (2e6) alone from 1 ms, T2 (1e6, sent at 0.5 ms) joins at 1.5 ms: halves until T2
// ends at 1.5 + 2 = 3.5 ms; T1's last 5e5 then take 0.5 ms.
TEST(NativeEngine, ATransferStartedDuringAnotherOnesLatencyJoinsWhenItsOwnEnds) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double first = -1;
  double second = -1;
  engine->spawn("t1", net.a, [&] {
    engine->send_async(net.a, net.b, 2000000)->wait();
    first = engine->clock();
  });
  engine->spawn("t2", net.a, [&] {
    engine->sleep_for(0.5e-3);
    engine->send_async(net.a, net.b, 1000000)->wait();
    second = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(second, 3.5e-3, kTol);
  EXPECT_NEAR(first, 4e-3, kTol);
}

TEST(NativeEngine, AZeroByteTransferEndsWhenItsLatencyIsPaid) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double end = -1;
  engine->spawn("t", net.a, [&] {
    engine->send_async(net.a, net.b, 0)->wait();
    end = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(end, 1e-3, kTol);
}

TEST(NativeEngine, TransfersOverFreeLinksEndAtOnce) {
  Pair net(1e25, 0);
  auto engine = make_native_engine();
  double end = -1;
  engine->spawn("t", net.a, [&] {
    for (int i = 0; i < 3; ++i) engine->send_async(net.a, net.b, 1000000000)->wait();
    end = engine->clock();
  });
  engine->run();
  EXPECT_GE(end, 0.0);
  EXPECT_LT(end, 1e-9);
}

// SimGrid routes a host to itself over its loopback link: FATPIPE (no sharing) at
// network/loopback-bw, 10 GB/s by default.
TEST(NativeEngine, ATransferToItselfCrossesTheUnsharedLoopback) {
  Pair net(1e9, 1e-3);
  const double latency = net.platform.route_latency(net.a, net.a);
  const double loopback = net.platform.route_bandwidth(net.a, net.a);
  ASSERT_GT(loopback, 1e9);
  auto engine = make_native_engine();
  std::vector<double> ends;
  for (int i = 0; i < 2; ++i) {
    engine->spawn("t", net.a, [&] {
      engine->send_async(net.a, net.a, 1000000)->wait();
      ends.push_back(engine->clock());
    });
  }
  engine->run();
  ASSERT_EQ(ends.size(), 2u);
  for (double end : ends) EXPECT_NEAR(end, latency + 1e6 / loopback, kTol);
}

TEST(NativeEngine, EqualExecutionsOnOneHostTakeTwiceAsLong) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  std::vector<double> ends;
  for (int i = 0; i < 2; ++i) {
    engine->spawn("k", net.a, [&] {
      engine->execute(1e9);
      ends.push_back(engine->clock());
    });
  }
  engine->spawn("elsewhere", net.b, [&] {
    engine->execute(1e9);
    ends.push_back(engine->clock());
  });
  engine->run();
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_NEAR(ends[0], 1.0, kTol);  // alone on b
  EXPECT_NEAR(ends[1], 2.0, kTol);
  EXPECT_NEAR(ends[2], 2.0, kTol);
}

// The first does half its work alone, then both run at half speed: it ends at 1.5 s,
// the second (half done by then) at 2 s.
TEST(NativeEngine, AnExecutionStartedMidwayTakesHalfTheHost) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double first = -1;
  double second = -1;
  engine->spawn("k1", net.a, [&] {
    engine->execute(1e9);
    first = engine->clock();
  });
  engine->spawn("k2", net.a, [&] {
    engine->sleep_for(0.5);
    engine->execute(1e9);
    second = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(first, 1.5, kTol);
  EXPECT_NEAR(second, 2.0, kTol);
}

TEST(NativeEngine, SleepersWakeInDateOrderAndTiesInTheOrderTheySlept) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  std::vector<std::pair<int, double>> wakes;
  const double naps[] = {3.0, 1.0, 2.0, 1.0, 0.0, -1.0};
  for (int i = 0; i < 6; ++i) {
    engine->spawn("s", net.a, [&, i] {
      engine->sleep_for(naps[i]);
      wakes.emplace_back(i, engine->clock());
    });
  }
  engine->spawn("until", net.a, [&] {
    engine->sleep_until(2.5);
    wakes.emplace_back(6, engine->clock());
  });
  engine->run();
  const std::vector<std::pair<int, double>> expected = {{4, 0.0}, {5, 0.0}, {1, 1.0}, {3, 1.0},
                                                        {2, 2.0}, {6, 2.5}, {0, 3.0}};
  EXPECT_EQ(wakes, expected);
}

TEST(NativeEngine, ATransferStartsWhenTheLateGetIsPosted) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double put_end = -1;
  double get_end = -1;
  engine->spawn("putter", net.a, [&] {
    engine->mailbox("m")->put(nullptr, 1000000);
    put_end = engine->clock();
  });
  engine->spawn("getter", net.b, [&] {
    engine->sleep_for(1.0);
    EXPECT_TRUE(engine->mailbox("m")->listen());
    engine->mailbox("m")->get();
    get_end = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(put_end, 1.0 + 2e-3, kTol);
  EXPECT_NEAR(get_end, 1.0 + 2e-3, kTol);
}

TEST(NativeEngine, APutToAPermanentReceiverStartsAtOnceAndWaitsToBeTaken) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double put_end = -1;
  double get_end = -1;
  void* got = nullptr;
  int token = 3;
  ActorHandle getter = engine->spawn("getter", net.b, [&] {
    engine->sleep_for(1.0);
    EXPECT_TRUE(engine->mailbox("m")->listen());
    got = engine->mailbox("m")->get();
    get_end = engine->clock();
    EXPECT_FALSE(engine->mailbox("m")->listen());
  });
  engine->mailbox("m")->set_receiver(getter);
  engine->spawn("putter", net.a, [&] {
    engine->mailbox("m")->put(&token, 1000000);
    put_end = engine->clock();
  });
  engine->run();
  EXPECT_NEAR(put_end, 2e-3, kTol);
  EXPECT_NEAR(get_end, 1.0, kTol);  // taken as it is: already there
  EXPECT_EQ(got, &token);
}

TEST(NativeEngine, AGetFromAPermanentMailboxWaitsForATransferInFlight) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double get_end = -1;
  ActorHandle getter = engine->spawn("getter", net.b, [&] {
    engine->sleep_for(0.5e-3);
    EXPECT_TRUE(engine->mailbox("m")->listen());
    engine->mailbox("m")->get();
    get_end = engine->clock();
  });
  engine->mailbox("m")->set_receiver(getter);
  engine->spawn("putter", net.a, [&] { engine->mailbox("m")->put_detached(nullptr, 1000000); });
  engine->run();
  EXPECT_NEAR(get_end, 2e-3, kTol);
}

TEST(NativeEngine, WaitForTimesOutAndLeavesTheGetPosted) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double timeout_at = -1;
  double end = -1;
  bool first_wait = true;
  int token = 5;
  void* got = nullptr;
  engine->spawn("getter", net.b, [&] {
    TransferPtr get = engine->mailbox("m")->get_async();
    first_wait = get->wait_for(0.5);
    timeout_at = engine->clock();
    EXPECT_TRUE(get->wait_for(10.0));
    end = engine->clock();
    got = get->payload();
  });
  engine->spawn("putter", net.a, [&] {
    engine->sleep_for(1.0);
    engine->mailbox("m")->put_async(&token, 1000000)->wait();
  });
  engine->run();
  EXPECT_FALSE(first_wait);
  EXPECT_NEAR(timeout_at, 0.5, kTol);
  EXPECT_NEAR(end, 1.0 + 2e-3, kTol);
  EXPECT_EQ(got, &token);
}

TEST(NativeEngine, ACancelledGetIsNeverMatched) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  double end = -1;
  engine->spawn("getter", net.b, [&] {
    TransferPtr get = engine->mailbox("m")->get_async();
    EXPECT_FALSE(get->wait_for(0.5));
    get->cancel();
    engine->sleep_for(1.0);
    engine->mailbox("m")->get();
    end = engine->clock();
  });
  engine->spawn("putter", net.a, [&] {
    engine->sleep_for(1.0);
    engine->mailbox("m")->put(nullptr, 1000000);
  });
  engine->run();
  // The put waits for the second get, posted at 1.5 s.
  EXPECT_NEAR(end, 1.5 + 2e-3, kTol);
}

struct Flag {
  bool* set;
  ~Flag() { *set = true; }
};

TEST(NativeEngine, KillAllUnwindsTheOthersPastStdExceptionHandlers) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  bool getter_unwound = false;
  bool sleeper_unwound = false;
  bool caught_as_std = false;
  bool killer_went_on = false;
  double killed_at = -1;
  engine->spawn("getter", net.b, [&] {
    const Flag flag{&getter_unwound};
    try {
      engine->mailbox("never")->get();
    } catch (const std::exception&) {
      caught_as_std = true;
    }
  });
  engine->spawn("sleeper", net.a, [&] {
    const Flag flag{&sleeper_unwound};
    engine->sleep_for(100.0);
  });
  engine->spawn("killer", net.a, [&] {
    engine->sleep_for(1.0);
    engine->kill_all();
    killer_went_on = true;
    killed_at = engine->clock();
    engine->exit_actor();
  });
  engine->run();
  EXPECT_TRUE(getter_unwound);
  EXPECT_TRUE(sleeper_unwound);
  EXPECT_FALSE(caught_as_std);
  EXPECT_TRUE(killer_went_on);
  EXPECT_NEAR(killed_at, 1.0, kTol);
  EXPECT_NEAR(engine->clock(), 1.0, kTol);
}

TEST(NativeEngine, DaemonsEndWithTheLastActor) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  int ticks = 0;
  bool daemon_unwound = false;
  ActorHandle daemon = engine->spawn("daemon", net.a, [&] {
    const Flag flag{&daemon_unwound};
    for (;;) {
      engine->sleep_for(1.0);
      ++ticks;
    }
  });
  engine->daemonize(daemon);
  engine->spawn("main", net.b, [&] { engine->sleep_for(3.5); });
  engine->run();
  EXPECT_EQ(ticks, 3);
  EXPECT_TRUE(daemon_unwound);
  EXPECT_NEAR(engine->clock(), 3.5, kTol);
}

TEST(NativeEngine, ADeadlockReturnsFromRunAndTheEngineUnwindsTheBlocked) {
  Pair net(1e9, 1e-3);
  bool unwound = false;
  bool returned = false;
  {
    auto engine = make_native_engine();
    engine->spawn("stuck", net.a, [&] {
      const Flag flag{&unwound};
      engine->mailbox("nobody")->get();
      returned = true;
    });
    engine->spawn("waiter", net.a, [&] {
      auto point = engine->new_wait_point();
      point->wait();
      returned = true;
    });
    engine->run();
    EXPECT_FALSE(unwound);
  }
  EXPECT_TRUE(unwound);
  EXPECT_FALSE(returned);
}

TEST(NativeEngine, AWaitPointWakesItsWaiterAfterTheActorsAlreadyReady) {
  Pair net(1e9, 1e-3);
  auto engine = make_native_engine();
  auto point = engine->new_wait_point();
  std::vector<std::string> order;
  double woken_at = -1;
  engine->spawn("waiter", net.a, [&] {
    point->hold();
    point->wait();
    order.push_back("waiter");
    woken_at = engine->clock();
  });
  engine->spawn("notifier", net.a, [&] {
    engine->sleep_for(1.0);
    point->notify_all();
    order.push_back("notifier");
  });
  engine->spawn("other", net.a, [&] {
    engine->sleep_for(1.0);
    order.push_back("other");
  });
  engine->run();
  const std::vector<std::string> expected = {"notifier", "other", "waiter"};
  EXPECT_EQ(order, expected);
  EXPECT_NEAR(woken_at, 1.0, kTol);
}

TEST(NativeEngine, AnExceptionEscapingAnActorIsRethrownByRunAndTheOthersUnwind) {
  Pair net(1e9, 1e-3);
  bool other_unwound = false;
  {
    auto engine = make_native_engine();
    engine->spawn("bad", net.a, [&] {
      engine->sleep_for(1.0);
      throw std::runtime_error("broken actor");
    });
    engine->spawn("other", net.a, [&] {
      const Flag flag{&other_unwound};
      engine->mailbox("x")->get();
    });
    EXPECT_THROW(engine->run(), std::runtime_error);
    EXPECT_FALSE(other_unwound);
  }
  EXPECT_TRUE(other_unwound);
}

// A tangle of transfers, executions and rendezvous, twice: the same dates in the same
// order.
std::vector<double> tangle(EngineHost a, EngineHost b, EngineHost c) {
  auto engine = make_native_engine();
  std::vector<double> trace;
  EngineHost hosts[] = {a, b, c};
  const std::string boxes[] = {"box0", "box1", "box2", "box3"};
  for (int i = 0; i < 12; ++i) {
    engine->spawn("rank", hosts[i % 3], [&, i] {
      for (int step = 0; step < 20; ++step) {
        const int to = (i + step) % 12;
        if ((step + i) % 3 == 0) {
          engine->execute(1e6 * (1 + (i * step) % 5));
        } else if ((step + i) % 3 == 1) {
          engine->send_async(hosts[i % 3], hosts[to % 3], 10000 * (1 + (i + step) % 7))->wait();
        } else {
          engine->mailbox(boxes[step % 4])->put_detached(nullptr, 5000);
          engine->mailbox(boxes[step % 4])->get();
        }
        trace.push_back(engine->clock() + i * 1e3);
      }
    });
  }
  engine->run();
  return trace;
}

TEST(NativeEngine, RunsAreDeterministic) {
  HandPlatform platform;
  auto* a = platform.host("a");
  auto* b = platform.host("b");
  auto* c = platform.host("c");
  const int ab = platform.link("ab", 1e9, 1e-5);
  const int bc = platform.link("bc", 2e9, 2e-5);
  platform.route(a, b, {ab});
  platform.route(b, a, {ab});
  platform.route(b, c, {bc});
  platform.route(c, b, {bc});
  platform.route(a, c, {ab, bc});
  platform.route(c, a, {bc, ab});
  platform.seal();
  const std::vector<double> first = tangle(a, b, c);
  const std::vector<double> second = tangle(a, b, c);
  EXPECT_EQ(first.size(), 12u * 20u);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace lcperf::sim

// The same actor programs run by SimGrid (s4u, CM02 as the simulator configures it) and
// by the native engine, each in a child process with its own copy of the platform: every
// recorded date must agree to SimGrid's own precision (1e-9 s).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/native_engine.hpp"
#include "sim/platform_builder.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

namespace sg = simgrid::s4u;
using Direction = sg::LinkInRoute::Direction;

constexpr int kHosts = 4;
constexpr int kActors = 6;
constexpr int kClusterActors = 8;
constexpr int kSteps = 12;
constexpr int kRecords = kClusterActors * kSteps * 2;
using Dates = std::array<double, kRecords + 1>;  // the last one counts the steps made

std::string numbered(const char* prefix, int i);

// What an actor program does, whichever engine runs it.
class Ops {
 public:
  virtual ~Ops() = default;
  virtual double clock() = 0;
  virtual void execute(double flops) = 0;
  virtual void sleep_for(double s) = 0;
  virtual void send_to(sg::Host* from, sg::Host* to, std::uint64_t bytes) = 0;
  // Puts to `next`'s mailbox while getting from its own; waits for both.
  virtual void exchange(int self, int next, std::uint64_t bytes) = 0;
  // A detached put to the mailbox whose permanent receiver is actor `to`.
  virtual void message(int to, std::uint64_t bytes) = 0;
  // Takes one message from its own mailbox, waiting for it if none is there.
  virtual void take_message(int self) = 0;
};

// Four hosts, each behind its own access link (different latencies and bandwidths, so
// the backbone they share is split unevenly), and a host reached from itself over the
// loopback.
std::vector<sg::Host*> build() {
  auto* zone = sg::create_full_zone("zone");
  const double access_bw[kHosts] = {1e9, 2e9, 1e9, 4e9};
  const double access_lat[kHosts] = {1e-5, 4e-5, 2e-4, 5e-5};
  std::vector<sg::Host*> hosts;
  std::vector<sg::SplitDuplexLink*> access;
  for (int h = 0; h < kHosts; ++h) {
    hosts.push_back(zone->create_host(numbered("h", h), 1e9 * (1 + h % 2)));
    auto* link = zone->create_split_duplex_link(numbered("access", h), access_bw[h]);
    link->set_latency(access_lat[h]);
    link->seal();
    access.push_back(link);
  }
  auto* backbone = zone->create_split_duplex_link("backbone", 2.5e9);
  backbone->set_latency(1e-6);
  backbone->seal();
  for (int i = 0; i < kHosts; ++i) {
    for (int j = 0; j < kHosts; ++j) {
      if (i == j) continue;
      zone->add_route(hosts[static_cast<std::size_t>(i)]->get_netpoint(), hosts[static_cast<std::size_t>(j)]->get_netpoint(),
                      nullptr, nullptr,
                      {{access[static_cast<std::size_t>(i)], Direction::UP}, {backbone, Direction::UP},
                       {access[static_cast<std::size_t>(j)], Direction::DOWN}},
                      false);
    }
  }
  zone->seal();
  return hosts;
}

// Written out: GCC 12 warns falsely on "literal" + std::to_string under -O2.
std::string numbered(const char* prefix, int i) {
  std::string out(prefix);
  out.append(std::to_string(i));
  return out;
}

sg::Host* host_of(const std::vector<sg::Host*>& hosts, int actor) {
  return hosts[static_cast<std::size_t>(actor % kHosts)];
}

// Each step: some work of its own (an execution, a direct send, which may be to its own
// host, or a sleep), then a ring exchange with its neighbours.
void program(Ops& ops, const std::vector<sg::Host*>& hosts, int self, Dates& dates) {
  for (int step = 0; step < kSteps; ++step) {
    const int mix = (self * 7 + step * 3) % 5;
    switch ((self + step) % 3) {
      case 0:
        ops.execute(1e5 * (1 + mix));
        break;
      case 1:
        ops.send_to(host_of(hosts, self), host_of(hosts, self + 2 + step % 3), 200000ull * (1 + mix));
        break;
      default:
        ops.sleep_for(1e-5 * mix);
        break;
    }
    dates[static_cast<std::size_t>((self * kSteps + step) * 2)] = ops.clock();
    ops.exchange(self, (self + 1) % kActors, 100000ull * (1 + (self + step) % 4));
    dates[static_cast<std::size_t>((self * kSteps + step) * 2 + 1)] = ops.clock();
    dates[kRecords] += 1;
  }
}

std::string box_name(int actor) { return numbered("ring", actor); }
std::string message_box(int actor) { return numbered("messages", actor); }

std::unique_ptr<sg::Engine> make_simgrid() {
  static char name[] = "native_vs_simgrid";
  static char model[] = "--cfg=network/model:CM02";
  static char cross[] = "--cfg=network/crosstraffic:0";
  static char gamma[] = "--cfg=network/TCP-gamma:0";
  static char log[] = "--log=root.thres:critical";
  char* argv[] = {name, model, cross, gamma, log, nullptr};
  int argc = 5;
  return std::make_unique<sg::Engine>(&argc, argv);
}

class SimGridOps final : public Ops {
 public:
  double clock() override { return sg::Engine::get_clock(); }
  void execute(double flops) override { sg::this_actor::execute(flops); }
  void sleep_for(double s) override { sg::this_actor::sleep_for(s); }
  void send_to(sg::Host* from, sg::Host* to, std::uint64_t bytes) override {
    sg::Comm::sendto_async(from, to, bytes)->wait();
  }
  void exchange(int self, int next, std::uint64_t bytes) override {
    static int token = 0;
    sg::CommPtr out = sg::Mailbox::by_name(box_name(next))->put_async(&token, bytes);
    sg::Mailbox::by_name(box_name(self))->get<int>();
    out->wait();
  }
  void message(int to, std::uint64_t bytes) override {
    static int token = 0;
    sg::Mailbox::by_name(message_box(to))->put_init(&token, bytes)->detach();
  }
  void take_message(int self) override { sg::Mailbox::by_name(message_box(self))->get<int>(); }
};

class NativeOps final : public Ops {
 public:
  explicit NativeOps(EventEngine& engine) : engine_(engine) {}
  double clock() override { return engine_.clock(); }
  void execute(double flops) override { engine_.execute(flops); }
  void sleep_for(double s) override { engine_.sleep_for(s); }
  void send_to(sg::Host* from, sg::Host* to, std::uint64_t bytes) override { engine_.send_async(from, to, bytes)->wait(); }
  void exchange(int self, int next, std::uint64_t bytes) override {
    static int token = 0;
    TransferPtr out = engine_.mailbox(box_name(next))->put_async(&token, bytes);
    engine_.mailbox(box_name(self))->get();
    out->wait();
  }
  void message(int to, std::uint64_t bytes) override {
    static int token = 0;
    engine_.mailbox(message_box(to))->put_detached(&token, bytes);
  }
  void take_message(int self) override { engine_.mailbox(message_box(self))->get(); }

 private:
  EventEngine& engine_;
};

// A platform, where each actor runs, and what it does.
struct Scenario {
  std::vector<sg::Host*> (*build)();
  int actors;
  void (*program)(Ops& ops, const std::vector<sg::Host*>& hosts, int self, Dates& dates);
  bool messages;  // each actor is the permanent receiver of its message mailbox
  sg::Host* (*placement)(const std::vector<sg::Host*>& hosts, int actor);
};

sg::Host* on_own_host(const std::vector<sg::Host*>& hosts, int actor) { return hosts[static_cast<std::size_t>(actor)]; }

Dates run_simgrid(const Scenario& scenario) {
  const auto engine = make_simgrid();
  const std::vector<sg::Host*> hosts = scenario.build();
  Dates dates{};
  SimGridOps ops;
  for (int a = 0; a < scenario.actors; ++a) {
    sg::ActorPtr actor = sg::Actor::create(numbered("a", a), scenario.placement(hosts, a),
                                           [&ops, &hosts, &dates, &scenario, a] { scenario.program(ops, hosts, a, dates); });
    if (scenario.messages) sg::Mailbox::by_name(message_box(a))->set_receiver(actor);
  }
  engine->run();
  return dates;
}

Dates run_native(const Scenario& scenario) {
  const auto sg_engine = make_simgrid();  // holds the platform; never run
  const std::vector<sg::Host*> hosts = scenario.build();
  Dates dates{};
  auto engine = make_native_engine();
  NativeOps ops(*engine);
  for (int a = 0; a < scenario.actors; ++a) {
    ActorHandle actor = engine->spawn(numbered("a", a), scenario.placement(hosts, a),
                                      [&ops, &hosts, &dates, &scenario, a] { scenario.program(ops, hosts, a, dates); });
    if (scenario.messages) engine->mailbox(message_box(a))->set_receiver(actor);
  }
  engine->run();
  return dates;
}

void expect_same_dates(const Scenario& scenario) {
  const Dates reference = testing::in_child<Dates>([&scenario] { return run_simgrid(scenario); });
  const Dates native = testing::in_child<Dates>([&scenario] { return run_native(scenario); });
  const int records = scenario.actors * kSteps * 2;
  ASSERT_EQ(reference[kRecords], scenario.actors * kSteps) << "the SimGrid run did not finish";
  ASSERT_EQ(native[kRecords], scenario.actors * kSteps) << "the native run did not finish";
  for (int i = 0; i < records; ++i) {
    EXPECT_NEAR(native[static_cast<std::size_t>(i)], reference[static_cast<std::size_t>(i)], 1e-9)
        << "actor " << i / 2 / kSteps << " step " << i / 2 % kSteps << (i % 2 == 0 ? " work" : " exchange");
  }
  // The scenario is not trivial: it runs for a while and the dates spread.
  EXPECT_GT(*std::max_element(reference.begin(), reference.begin() + records), 1e-3);
}

TEST(NativeEngineVsSimGrid, TransfersExecutionsAndSleepsOnUnevenLinks) {
  expect_same_dates(Scenario{&build, kActors, &program, false, &host_of});
}

// lcperf's own cluster platform (two nodes of four GPUs: NVLink inside a node, NICs and
// uplinks between them), ranks exchanging around a ring that crosses nodes, copying to
// their node's CPU over PCIe, and sending detached messages to mailboxes with permanent
// receivers, taken at the end.
std::vector<sg::Host*> build_cluster() {
  const Platform platform = build_platform(testing::round_cluster(2, 4), kClusterActors, false);
  std::vector<sg::Host*> hosts = platform.gpus;
  hosts.insert(hosts.end(), platform.node_cpus.begin(), platform.node_cpus.end());
  return hosts;
}

bool sends_message(int actor, int step) { return (actor + step) % 3 == 1; }
int message_target(int actor) { return (actor + 3) % kClusterActors; }

void cluster_program(Ops& ops, const std::vector<sg::Host*>& hosts, int self, Dates& dates) {
  sg::Host* cpu = hosts[static_cast<std::size_t>(kClusterActors + self / 4)];
  for (int step = 0; step < kSteps; ++step) {
    const int mix = (self * 7 + step * 3) % 5;
    if (sends_message(self, step)) {
      ops.message(message_target(self), 4096);
      ops.send_to(hosts[static_cast<std::size_t>(self)], cpu, 4000000ull * (1 + mix));
    } else if ((self + step) % 3 == 0) {
      ops.execute(1e8 * (1 + mix));
    } else {
      ops.sleep_for(2e-5 * mix);
    }
    dates[static_cast<std::size_t>((self * kSteps + step) * 2)] = ops.clock();
    ops.exchange(self, (self + 1) % kClusterActors, 4000000ull * (1 + (self + step) % 4));
    dates[static_cast<std::size_t>((self * kSteps + step) * 2 + 1)] = ops.clock();
    dates[kRecords] += 1;
  }
  for (int sender = 0; sender < kClusterActors; ++sender) {
    if (message_target(sender) != self) continue;
    for (int step = 0; step < kSteps; ++step) {
      if (sends_message(sender, step)) ops.take_message(self);
    }
  }
}

TEST(NativeEngineVsSimGrid, RanksOnTheClusterPlatformWithPermanentReceivers) {
  expect_same_dates(Scenario{&build_cluster, kClusterActors, &cluster_program, true, &on_own_host});
}

}  // namespace
}  // namespace lcperf::sim

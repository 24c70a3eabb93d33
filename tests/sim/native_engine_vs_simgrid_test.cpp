// The same actor programs run by SimGrid (s4u, CM02 as the simulator configures it) and
// by the native engine, each in a child process with its own copy of the platform: every
// recorded date must agree to SimGrid's own precision (1e-9 s).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/native_engine.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

namespace sg = simgrid::s4u;
using Direction = sg::LinkInRoute::Direction;

constexpr int kHosts = 4;
constexpr int kActors = 6;
constexpr int kSteps = 12;
constexpr int kRecords = kActors * kSteps * 2;
using Dates = std::array<double, kRecords + 1>;  // the last one counts the records made

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

 private:
  EventEngine& engine_;
};

Dates run_simgrid() {
  const auto engine = make_simgrid();
  const std::vector<sg::Host*> hosts = build();
  Dates dates{};
  SimGridOps ops;
  for (int a = 0; a < kActors; ++a) {
    sg::Actor::create(numbered("a", a), host_of(hosts, a), [&ops, &hosts, &dates, a] { program(ops, hosts, a, dates); });
  }
  engine->run();
  return dates;
}

Dates run_native() {
  const auto sg_engine = make_simgrid();  // holds the platform; never run
  const std::vector<sg::Host*> hosts = build();
  Dates dates{};
  auto engine = make_native_engine();
  NativeOps ops(*engine);
  for (int a = 0; a < kActors; ++a) {
    engine->spawn(numbered("a", a), host_of(hosts, a), [&ops, &hosts, &dates, a] { program(ops, hosts, a, dates); });
  }
  engine->run();
  return dates;
}

TEST(NativeEngineVsSimGrid, EveryDateAgreesToSimGridPrecision) {
  const Dates reference = testing::in_child<Dates>(run_simgrid);
  const Dates native = testing::in_child<Dates>(run_native);
  ASSERT_EQ(reference[kRecords], kActors * kSteps) << "the SimGrid run did not finish";
  ASSERT_EQ(native[kRecords], kActors * kSteps) << "the native run did not finish";
  int compared = 0;
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_NEAR(native[static_cast<std::size_t>(i)], reference[static_cast<std::size_t>(i)], 1e-9)
        << "actor " << i / 2 / kSteps << " step " << i / 2 % kSteps << (i % 2 == 0 ? " work" : " exchange");
    ++compared;
  }
  EXPECT_EQ(compared, kRecords);
  // The scenario is not trivial: it runs for a while and the dates spread.
  EXPECT_GT(reference[kRecords - 1], 1e-3);
}

}  // namespace
}  // namespace lcperf::sim

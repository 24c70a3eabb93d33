#include "sim/engine_crosscheck.hpp"

#include <ctime>
#include <memory>
#include <string>

#include <simgrid/s4u.hpp>

#include "sim/event_engine.hpp"
#include "sim/hand_platform.hpp"
#include "sim/native_engine.hpp"
#include "sim/platform_builder.hpp"
#include "sim/simgrid_host.hpp"

namespace lcperf::sim {

namespace {

namespace sg = simgrid::s4u;

// Written out: GCC 12 warns falsely on "literal" + std::to_string under -O2.
std::string numbered(const char* prefix, int i) {
  std::string out(prefix);
  out.append(std::to_string(i));
  return out;
}

std::string ring_box(int actor) { return numbered("ring", actor); }
std::string message_box(int actor) { return numbered("messages", actor); }

int g_token = 0;  // what every put carries

// What the programs do, on whichever engine runs them.
class Ops {
 public:
  virtual ~Ops() = default;
  virtual double clock() = 0;
  virtual void execute(double flops) = 0;
  virtual void sleep_for(double s) = 0;
  virtual void send_to(EngineHost from, EngineHost to, std::uint64_t bytes) = 0;
  // Puts to `next`'s ring mailbox while getting from its own; waits for both.
  virtual void exchange(int self, int next, std::uint64_t bytes) = 0;
  // A detached put to the mailbox whose permanent receiver is actor `to`.
  virtual void message(int to, std::uint64_t bytes) = 0;
  // Takes one message from its own mailbox, waiting for it if none is there.
  virtual void take_message(int self) = 0;
};

class SimGridOps final : public Ops {
 public:
  double clock() override { return sg::Engine::get_clock(); }
  void execute(double flops) override { sg::this_actor::execute(flops); }
  void sleep_for(double s) override { sg::this_actor::sleep_for(s); }
  void send_to(EngineHost from, EngineHost to, std::uint64_t bytes) override {
    sg::Comm::sendto_async(simgrid_host(from), simgrid_host(to), bytes)->wait();
  }
  void exchange(int self, int next, std::uint64_t bytes) override {
    sg::CommPtr out = sg::Mailbox::by_name(ring_box(next))->put_async(&g_token, bytes);
    sg::Mailbox::by_name(ring_box(self))->get<int>();
    out->wait();
  }
  void message(int to, std::uint64_t bytes) override {
    sg::Mailbox::by_name(message_box(to))->put_init(&g_token, bytes)->detach();
  }
  void take_message(int self) override { sg::Mailbox::by_name(message_box(self))->get<int>(); }
};

class NativeOps final : public Ops {
 public:
  explicit NativeOps(EventEngine& engine) : engine_(engine) {}
  double clock() override { return engine_.clock(); }
  void execute(double flops) override { engine_.execute(flops); }
  void sleep_for(double s) override { engine_.sleep_for(s); }
  void send_to(EngineHost from, EngineHost to, std::uint64_t bytes) override {
    engine_.send_async(from, to, bytes)->wait();
  }
  void exchange(int self, int next, std::uint64_t bytes) override {
    TransferPtr out = engine_.mailbox(ring_box(next))->put_async(&g_token, bytes);
    engine_.mailbox(ring_box(self))->get();
    out->wait();
  }
  void message(int to, std::uint64_t bytes) override { engine_.mailbox(message_box(to))->put_detached(&g_token, bytes); }
  void take_message(int self) override { engine_.mailbox(message_box(self))->get(); }

 private:
  EventEngine& engine_;
};

// A program run: where it writes its dates and counts its work.
struct Record {
  CrossCheckRun& run;
  int steps;
  void work_done(Ops& ops, int self, int step) {
    run.dates[static_cast<std::size_t>((self * steps + step) * 2)] = ops.clock();
  }
  void exchange_done(Ops& ops, int self, int step) {
    run.dates[static_cast<std::size_t>((self * steps + step) * 2 + 1)] = ops.clock();
    ++run.steps_done;
  }
};

using Program = void (*)(Ops& ops, const std::vector<EngineHost>& hosts, int self, Record& record);

// Runs `actors` copies of `program` (actor a on place[a]) on the chosen engine; the
// platform must already be built on `simgrid`.
CrossCheckRun run_program(CrossCheckEngine which, sg::Engine& simgrid, const std::vector<EngineHost>& hosts,
                          const std::vector<EngineHost>& place, int steps, Program program, bool permanent_messages) {
  const int actors = static_cast<int>(place.size());
  CrossCheckRun run;
  run.dates.assign(static_cast<std::size_t>(actors * steps * 2), -1.0);
  Record record{run, steps};
  if (which == CrossCheckEngine::simgrid) {
    SimGridOps ops;
    for (int a = 0; a < actors; ++a) {
      sg::ActorPtr actor = sg::Actor::create(numbered("a", a), simgrid_host(place[static_cast<std::size_t>(a)]),
                                             [&ops, &hosts, &record, program, a] { program(ops, hosts, a, record); });
      if (permanent_messages) sg::Mailbox::by_name(message_box(a))->set_receiver(actor);
    }
    const std::clock_t start = std::clock();
    simgrid.run();
    run.run_cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    run.end_time_s = sg::Engine::get_clock();
  } else {
    auto engine = make_native_engine();
    NativeOps ops(*engine);
    for (int a = 0; a < actors; ++a) {
      ActorHandle actor = engine->spawn(numbered("a", a), place[static_cast<std::size_t>(a)],
                                        [&ops, &hosts, &record, program, a] { program(ops, hosts, a, record); });
      if (permanent_messages) engine->mailbox(message_box(a))->set_receiver(actor);
    }
    const std::clock_t start = std::clock();
    engine->run();
    run.run_cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    run.end_time_s = engine->clock();
  }
  return run;
}

constexpr int kUnevenHosts = 4;
constexpr int kUnevenActors = 6;

void uneven_program(Ops& ops, const std::vector<EngineHost>& hosts, int self, Record& record) {
  const auto host_of = [&hosts](int actor) { return hosts[static_cast<std::size_t>(actor % kUnevenHosts)]; };
  for (int step = 0; step < record.steps; ++step) {
    const int mix = (self * 7 + step * 3) % 5;
    switch ((self + step) % 3) {
      case 0:
        ops.execute(1e5 * (1 + mix));
        break;
      case 1:
        ops.send_to(host_of(self), host_of(self + 2 + step % 3), 200000ull * static_cast<unsigned>(1 + mix));
        break;
      default:
        ops.sleep_for(1e-5 * mix);  // none at all when mix is 0
        break;
    }
    // The work, then the transfer this actor puts (its get takes its neighbour's).
    record.run.activities += ((self + step) % 3 == 2 && mix == 0 ? 0 : 1) + 1;
    record.work_done(ops, self, step);
    ops.exchange(self, (self + 1) % kUnevenActors, 100000ull * static_cast<unsigned>(1 + (self + step) % 4));
    record.exchange_done(ops, self, step);
  }
}

bool sends_message(int actor, int step) { return (actor + step) % 3 == 1; }

struct ClusterShape {
  int ranks;
  int gpus_per_node;
};
ClusterShape g_shape{};

int message_target(int actor) { return (actor + 3) % g_shape.ranks; }

void cluster_program(Ops& ops, const std::vector<EngineHost>& hosts, int self, Record& record) {
  EngineHost gpu = hosts[static_cast<std::size_t>(self)];
  EngineHost cpu = hosts[static_cast<std::size_t>(g_shape.ranks + self / g_shape.gpus_per_node)];
  for (int step = 0; step < record.steps; ++step) {
    const int mix = (self * 7 + step * 3) % 5;
    if (sends_message(self, step)) {
      ops.message(message_target(self), 4096);
      ops.send_to(gpu, cpu, 4000000ull * static_cast<unsigned>(1 + mix));
      record.run.activities += 2;
    } else if ((self + step) % 3 == 0) {
      ops.execute(1e8 * (1 + mix));
      record.run.activities += 1;
    } else {
      ops.sleep_for(2e-5 * mix);
      record.run.activities += mix == 0 ? 0 : 1;
    }
    record.work_done(ops, self, step);
    ops.exchange(self, (self + 1) % g_shape.ranks, 4000000ull * static_cast<unsigned>(1 + (self + step) % 4));
    record.run.activities += 1;
    record.exchange_done(ops, self, step);
  }
  for (int sender = 0; sender < g_shape.ranks; ++sender) {
    if (message_target(sender) != self) continue;
    for (int step = 0; step < record.steps; ++step) {
      if (sends_message(sender, step)) ops.take_message(self);
    }
  }
}

}  // namespace

CrossCheckRun run_uneven_ring(CrossCheckEngine engine, int steps) {
  HandPlatform platform;
  const double access_bw[kUnevenHosts] = {1e9, 2e9, 1e9, 4e9};
  const double access_lat[kUnevenHosts] = {1e-5, 4e-5, 2e-4, 5e-5};
  std::vector<EngineHost> hosts;
  std::vector<int> access;
  for (int h = 0; h < kUnevenHosts; ++h) {
    hosts.push_back(platform.host(numbered("h", h), 1e9 * (1 + h % 2)));
    access.push_back(platform.link(numbered("access", h), access_bw[h], access_lat[h]));
  }
  const int backbone = platform.link("backbone", 2.5e9, 1e-6);
  for (int i = 0; i < kUnevenHosts; ++i) {
    for (int j = 0; j < kUnevenHosts; ++j) {
      if (i != j) {
        platform.route(hosts[static_cast<std::size_t>(i)], hosts[static_cast<std::size_t>(j)],
                       {access[static_cast<std::size_t>(i)], backbone, HandPlatform::down(access[static_cast<std::size_t>(j)])});
      }
    }
  }
  platform.seal();
  std::vector<EngineHost> place;
  for (int a = 0; a < kUnevenActors; ++a) place.push_back(hosts[static_cast<std::size_t>(a % kUnevenHosts)]);
  return run_program(engine, platform.simgrid(), hosts, place, steps, &uneven_program, false);
}

CrossCheckRun run_cluster_ring(CrossCheckEngine engine, const core::ClusterSpec& cluster, int steps) {
  const auto simgrid = open_simgrid_engine();
  const int ranks = cluster.nodes * cluster.gpus_per_node;
  const Platform platform = build_platform(cluster, ranks, false);
  g_shape = ClusterShape{ranks, cluster.gpus_per_node};
  std::vector<EngineHost> hosts = platform.gpus;
  hosts.insert(hosts.end(), platform.node_cpus.begin(), platform.node_cpus.end());
  return run_program(engine, *simgrid, hosts, platform.gpus, steps, &cluster_program, true);
}

}  // namespace lcperf::sim

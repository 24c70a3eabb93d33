// The DistKV controllers on the simulator (virtual time, real message and transfer
// costs): a creditor that vanishes costs the debtor one timeout and no hang; a debt cycle
// is swapped home with the block bytes crossing the simulated network. Each simulation
// runs in a child process (SimGrid allows one engine per process) and reports numbers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "../sim/sim_test_support.hpp"
#include "schedulers/serving/distkv/audit.hpp"
#include "schedulers/serving/distkv/controller.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

using Report = std::map<std::string, double>;

// Runs `body` in a child; its "key value" lines come back as a map ("error" on failure).
Report in_child(const std::function<Report()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {{"error", 1}};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::ostringstream text;
    text.precision(17);
    try {
      for (const auto& [key, value] : body()) text << key << ' ' << value << '\n';
    } catch (const std::exception& e) {
      text << "error 1\n";
    }
    const std::string s = text.str();
    const bool ok = write(fds[1], s.data(), s.size()) == static_cast<ssize_t>(s.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::string all;
  char buffer[4096];
  for (ssize_t got = 0; (got = read(fds[0], buffer, sizeof buffer)) > 0;) all.append(buffer, static_cast<std::size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Report out;
  std::istringstream lines(all);
  std::string key;
  double value = 0;
  while (lines >> key >> value) out[key] = value;
  if (out.empty()) out["error"] = 1;
  return out;
}

struct World {
  DistKvConfig config;
  DistKvTopology topology;
  std::vector<std::shared_ptr<RManager>> instances;
  std::shared_ptr<GManager> gmanager;
  std::vector<std::shared_ptr<ControllerRecords>> records;  // per instance
  std::vector<RManagerScript> scripts;
};

World make_world(const DistKvConfig& config, std::vector<int> instance_ranks, int gmanager_rank, double stop_at_s) {
  World w;
  w.config = config;
  w.topology = {std::move(instance_ranks), gmanager_rank};
  w.gmanager = std::make_shared<GManager>(config);
  for (int i = 0; i < config.instances; ++i) {
    w.instances.push_back(std::make_shared<RManager>(i, config));
    w.records.push_back(std::make_shared<ControllerRecords>());
    w.scripts.push_back(RManagerScript{{}, -1, stop_at_s});
  }
  return w;
}

core::RunRecords simulate_world(World& w, const core::ClusterSpec& cluster, int ranks) {
  sim::SimulationInput in;
  in.cluster = cluster;
  in.ranks = ranks;
  in.kernel_price = sim::priced_by(sim::testing::flops_over_tera);
  in.program_for = [&w](int rank) -> core::RankProgram {
    if (rank == w.topology.gmanager_rank) {
      return make_gmanager_program(w.gmanager, w.scripts[0].stop_at_s, w.topology, nullptr);
    }
    for (int i = 0; i < w.config.instances; ++i) {
      if (w.topology.instance_ranks[static_cast<std::size_t>(i)] == rank) {
        return make_rmanager_program(w.instances[static_cast<std::size_t>(i)], w.scripts[static_cast<std::size_t>(i)],
                                     w.topology, w.records[static_cast<std::size_t>(i)]);
      }
    }
    return [](core::Runtime&) {};
  };
  return sim::simulate(in);
}

std::size_t audit_violations(const World& w, std::set<int> crashed) {
  AuditView view;
  for (const auto& rm : w.instances) view.instances.push_back(rm.get());
  view.gmanager = w.gmanager.get();
  view.crashed = std::move(crashed);
  return audit(view, true).size();
}

DistKvConfig base_config(int instances) {
  DistKvConfig c;
  c.instances = instances;
  c.device_blocks = 10;
  c.lend_cap_blocks = 6;
  c.block_bytes = 1 << 20;
  c.heartbeat_period_s = 0.01;
  c.reply_timeout_s = 0.005;
  c.exchange_timeout_s = 0.02;
  c.dead_after_s = 0.05;
  c.reclaim_period_s = 0.01;
  return c;
}

TEST(DistKvSim, VanishedCreditorCostsOneTimeoutAndIsDeclaredDead) {
  const Report r = in_child([] {
    World w = make_world(base_config(3), {0, 1, 2}, 3, 0.2);
    using K = ScriptedEvent::Kind;
    w.scripts[1].events = {{0, K::allocate, 100, 6}};  // instance 1 can lend 4
    w.scripts[2].events = {{0, K::allocate, 200, 2}};  // instance 2 can lend 6 ...
    w.scripts[2].vanish_at_s = 0.015;                  // ... but stops answering after its second heartbeat
    w.scripts[0].events = {{0.02, K::allocate, 1, 14}};
    const core::RunRecords records = simulate_world(w, sim::testing::round_cluster(1, 4), 4);
    Report out;
    out["end_s"] = records.end_time_s;
    const auto& outcomes = w.records[0]->outcomes;
    out["outcomes"] = static_cast<double>(outcomes.size());
    if (!outcomes.empty()) {
      const TimedOutcome& o = outcomes.back();
      out["ok"] = o.outcome.status == AllocationStatus::ok ? 1 : 0;
      out["done_s"] = o.time_s;
      out["borrowed_from"] = o.outcome.borrowed.size() == 1 ? o.outcome.borrowed[0].first : -1;
      out["borrowed_blocks"] = o.outcome.borrowed.size() == 1 ? static_cast<double>(o.outcome.borrowed[0].second) : -1;
    }
    out["timeouts"] = static_cast<double>(w.instances[0]->counters().borrow_timeouts);
    out["dead2"] = w.gmanager->is_dead(2) ? 1 : 0;
    out["dead1"] = w.gmanager->is_dead(1) ? 1 : 0;
    out["violations"] = static_cast<double>(audit_violations(w, {2}));
    out["message_bytes"] = static_cast<double>(w.records[0]->message_bytes_sent);
    return out;
  });
  ASSERT_EQ(r.count("error"), 0u);
  EXPECT_NEAR(r.at("end_s"), 0.2, 1e-9);  // every controller stopped on time: no hang
  EXPECT_EQ(r.at("ok"), 1);
  EXPECT_EQ(r.at("borrowed_from"), 1);
  EXPECT_EQ(r.at("borrowed_blocks"), 4);
  EXPECT_EQ(r.at("timeouts"), 1);
  // Asked at 0.02 s; the vanished creditor costs the 5 ms timeout plus a few message latencies.
  EXPECT_GE(r.at("done_s"), 0.025);
  EXPECT_LT(r.at("done_s"), 0.0255);
  EXPECT_EQ(r.at("dead2"), 1);
  EXPECT_EQ(r.at("dead1"), 0);
  EXPECT_EQ(r.at("violations"), 0);
  EXPECT_GT(r.at("message_bytes"), 0);
  std::printf("distkv sim: vanished creditor, allocation done at %.6f s (asked at 0.020000 s)\n", r.at("done_s"));
}

TEST(DistKvSim, DebtCycleSwapCrossesTheNetworkWithTheBlockBytes) {
  const Report r = in_child([] {
    DistKvConfig config = base_config(2);
    config.device_blocks = 8;
    config.lend_cap_blocks = 4;
    config.reclaim_period_s = 0.05;  // first look for blocks to bring home at 0.05 s, after the cycle formed
    // Instances on different nodes (ranks 0 and 2), so block moves cross the NICs.
    World w = make_world(config, {0, 2}, 1, 0.2);
    using K = ScriptedEvent::Kind;
    w.scripts[0].events = {{0.000, K::allocate, 1, 8},   // a fills instance 0
                           {0.001, K::allocate, 2, 2},   // c borrows 2 from instance 1
                           {0.002, K::release, 1, 0},    // a ends
                           {0.013, K::allocate, 4, 6}};  // d fills instance 0 again
    w.scripts[1].events = {{0.012, K::allocate, 3, 8}};  // b: 6 local, 2 borrowed from instance 0
    const core::RunRecords records = simulate_world(w, sim::testing::round_cluster(2, 2), 4);
    Report out;
    double p2p_bytes = 0;
    double longest_s = 0;
    for (const core::TimelineRecord& t : records.timeline) {
      if (t.category != "p2p" || t.name.rfind("send", 0) != 0) continue;
      p2p_bytes += t.bytes;
      longest_s = std::max(longest_s, t.end_s - t.start_s);
    }
    out["p2p_send_bytes"] = p2p_bytes;
    out["longest_send_s"] = longest_s;
    out["swaps"] = static_cast<double>(w.instances[0]->counters().swaps_committed);
    out["pulled"] = static_cast<double>(w.instances[0]->counters().blocks_pulled_home);
    out["pushed"] = static_cast<double>(w.instances[0]->counters().blocks_pushed_home);
    std::int64_t away = 0;
    for (int i = 0; i < 2; ++i) {
      for (const auto& [request, table] : w.instances[static_cast<std::size_t>(i)]->tables()) {
        for (const BlockRef& ref : table.blocks) away += ref.instance != i ? 1 : 0;
      }
    }
    out["blocks_away"] = static_cast<double>(away);
    out["ledger"] = static_cast<double>(w.gmanager->ledger().total());
    out["sent0"] = static_cast<double>(w.records[0]->transfer_bytes_sent);
    out["received0"] = static_cast<double>(w.records[0]->transfer_bytes_received);
    out["sent1"] = static_cast<double>(w.records[1]->transfer_bytes_sent);
    out["received1"] = static_cast<double>(w.records[1]->transfer_bytes_received);
    out["violations"] = static_cast<double>(audit_violations(w, {}));
    return out;
  });
  ASSERT_EQ(r.count("error"), 0u);
  const double block = 1 << 20;
  EXPECT_EQ(r.at("swaps"), 1);
  EXPECT_EQ(r.at("pulled"), 2);
  EXPECT_EQ(r.at("pushed"), 2);
  EXPECT_EQ(r.at("blocks_away"), 0);
  EXPECT_EQ(r.at("ledger"), 0);
  EXPECT_EQ(r.at("p2p_send_bytes"), 4 * block);  // blocks moved x block bytes, nothing else
  EXPECT_EQ(r.at("sent0"), 2 * block);
  EXPECT_EQ(r.at("received0"), 2 * block);
  EXPECT_EQ(r.at("sent1"), 2 * block);
  EXPECT_EQ(r.at("received1"), 2 * block);
  // 2 MiB over a 50 GB/s NIC takes at least 42 us.
  EXPECT_GE(r.at("longest_send_s"), 2 * block / 50e9);
  EXPECT_EQ(r.at("violations"), 0);
  std::printf("distkv sim: swap moved %.0f bytes, longest 2-block send %.2f us\n", r.at("p2p_send_bytes"),
              r.at("longest_send_s") * 1e6);
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv

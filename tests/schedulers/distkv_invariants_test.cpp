// Randomized protocol runs (seeded): allocations, growth, releases, clock jumps that fire
// timeouts, heartbeats, reclaims and swaps, packets delivered in random order, and
// instance crashes. After every step the global audit must hold (no block lost or
// double-owned, pools add up, ledger + debt on the wire = blocks lent); after draining,
// the strict (quiescent) audit must hold too.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "schedulers/serving/distkv/loopback_cluster.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

struct Coverage {
  std::int64_t grants = 0, refusals = 0, borrow_timeouts = 0, late_grants = 0, host_blocks = 0;
  std::int64_t preempted = 0, lost = 0, exchanges = 0, swaps = 0, exchange_rejections = 0, deaths = 0;
  std::int64_t steps = 0, anomalies = 0, lent_at_crash = 0;
};

DistKvConfig fuzz_config(bool host_tier) {
  DistKvConfig c;
  c.instances = 4;
  c.device_blocks = 16;
  c.host_blocks = host_tier ? 6 : 0;
  c.lend_cap_blocks = 8;
  c.block_bytes = 4096;
  c.heartbeat_period_s = 1.0;
  c.reply_timeout_s = 0.5;
  c.exchange_timeout_s = 0.8;
  c.dead_after_s = 6.0;
  c.reclaim_period_s = 1.0;
  c.max_blocks_per_exchange = 4;
  c.max_candidates = 3;
  return c;
}

bool running(const LoopbackCluster& c, int i) { return !c.crashed(i) && !c.instance(i).fenced(); }

void fuzz(std::uint64_t seed, int steps, bool host_tier, Coverage& cov) {
  const DistKvConfig config = fuzz_config(host_tier);
  LoopbackCluster c(config);
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  std::vector<std::pair<int, std::int64_t>> requests;  // (home, request) maybe still held
  std::int64_t next_request = 1;
  int crashes = 0;
  c.tick();

  auto check = [&](int step, const char* what) {
    const std::vector<std::string> bad = c.audit(false);
    if (bad.empty()) return true;
    ADD_FAILURE() << "seed " << seed << " step " << step << " after " << what << ": " << bad.front();
    return false;
  };
  for (int step = 0; step < steps; ++step) {
    std::erase_if(requests, [&](const auto& r) { return !running(c, r.first) || !c.instance(r.first).holds(r.second); });
    const std::int64_t dice = uniform(0, 999);
    if (!c.in_flight().empty() && dice < 550) {
      c.deliver(static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(c.in_flight().size()) - 1)));
      if (!check(step, "deliver")) return;
    } else if (dice < 700) {
      const int i = static_cast<int>(uniform(0, config.instances - 1));
      if (!running(c, i)) continue;
      std::vector<std::int64_t> growable;
      for (const auto& [home, r] : requests) {
        if (home == i && !c.instance(i).allocating(r) && !c.instance(i).tables().at(r).release_pending) growable.push_back(r);
      }
      if (!growable.empty() && uniform(0, 1) == 0) {
        c.allocate(i, growable[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(growable.size()) - 1))], uniform(1, 4));
      } else {
        requests.emplace_back(i, next_request);
        c.allocate(i, next_request++, uniform(1, 8));
      }
      if (!check(step, "allocate")) return;
    } else if (dice < 800) {
      if (requests.empty()) continue;
      const auto [home, r] = requests[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(requests.size()) - 1))];
      // Requests with blocks on a crashed instance keep running until the death notice.
      const auto& blocks = c.instance(home).tables().at(r).blocks;
      if (std::any_of(blocks.begin(), blocks.end(), [&](const BlockRef& b) { return c.crashed(b.instance); })) continue;
      c.release(home, r);
      if (!check(step, "release")) return;
    } else if (dice < 998) {
      c.advance_to(c.now_s() + 0.05 * static_cast<double>(uniform(1, 8)));
      c.tick();
      if (!check(step, "tick")) return;
    } else if (crashes < 1 && step > steps / 2) {
      // Crash the creditor lending most, so that debtors lose blocks.
      int i = -1;
      for (int k = 0; k < config.instances; ++k) {
        if (running(c, k) && (i < 0 || c.instance(k).lent_total() > c.instance(i).lent_total())) i = k;
      }
      if (i < 0) continue;
      cov.lent_at_crash += c.instance(i).lent_total();
      c.crash(i);
      ++crashes;
      if (!check(step, "crash")) return;
    }
  }
  // Drain: no new work; let timeouts, death notices and reclaims settle.
  for (int round = 0; round < 40; ++round) {
    c.deliver_all();
    c.advance_to(c.now_s() + 0.5);
    c.tick();
    if (!check(steps, "drain")) return;
  }
  c.deliver_all();
  const std::vector<std::string> bad = c.audit(true);
  ASSERT_TRUE(bad.empty()) << "seed " << seed << " at quiescence: " << bad.front();

  // Block data: every byte one running instance sent to another was received, in whole blocks.
  for (const auto& [key, bytes] : c.bytes_sent()) {
    const auto [from, to, tag] = key;
    EXPECT_EQ(bytes % config.block_bytes, 0);
    if (!running(c, from) || !running(c, to)) continue;
    auto got = c.bytes_received().find(key);
    EXPECT_EQ(got == c.bytes_received().end() ? 0 : got->second, bytes) << "seed " << seed << " " << from << "->" << to;
  }
  for (int i = 0; i < config.instances; ++i) {
    const RManagerCounters& k = c.instance(i).counters();
    cov.grants += k.grants_given;
    cov.refusals += k.refusals_given;
    cov.borrow_timeouts += k.borrow_timeouts;
    cov.late_grants += k.late_grants_returned;
    cov.host_blocks += k.host_blocks_used;
    cov.preempted += k.allocations_preempted;
    cov.lost += k.requests_lost;
    cov.exchanges += k.exchanges_committed;
    cov.swaps += k.swaps_committed;
    cov.exchange_rejections += k.exchanges_rejected;
    cov.anomalies += k.anomalies;
  }
  cov.deaths += c.gmanager().counters().deaths_declared;
  cov.steps += steps;
}

TEST(DistKvInvariants, RandomizedProtocolKeepsEveryBlockAccountedFor) {
  Coverage cov;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    fuzz(seed, 4000, /*host_tier=*/seed % 2 == 0, cov);
    if (HasFailure()) return;
  }
  EXPECT_EQ(cov.anomalies, 0);
  // The runs must have exercised every path the audit is meant to watch.
  EXPECT_GT(cov.grants, 0);
  EXPECT_GT(cov.refusals, 0);
  EXPECT_GT(cov.borrow_timeouts, 0);
  EXPECT_GT(cov.late_grants, 0);
  EXPECT_GT(cov.host_blocks, 0);
  EXPECT_GT(cov.preempted, 0);
  EXPECT_GT(cov.lost, 0);
  EXPECT_GT(cov.exchanges, 0);
  EXPECT_GT(cov.swaps, 0);
  EXPECT_GT(cov.deaths, 0);
  std::printf("distkv fuzz: %lld steps, %lld grants, %lld refusals, %lld timeouts, %lld late grants, %lld host blocks, "
              "%lld preempted, %lld lost, %lld exchanges (%lld swaps, %lld rejected), %lld deaths, %lld blocks lent by the crashed\n",
              static_cast<long long>(cov.steps), static_cast<long long>(cov.grants), static_cast<long long>(cov.refusals),
              static_cast<long long>(cov.borrow_timeouts), static_cast<long long>(cov.late_grants),
              static_cast<long long>(cov.host_blocks), static_cast<long long>(cov.preempted),
              static_cast<long long>(cov.lost), static_cast<long long>(cov.exchanges), static_cast<long long>(cov.swaps),
              static_cast<long long>(cov.exchange_rejections), static_cast<long long>(cov.deaths),
              static_cast<long long>(cov.lent_at_crash));
}

TEST(DistKvInvariants, SameSeedGivesTheSameRun) {
  Coverage a;
  Coverage b;
  fuzz(42, 1500, true, a);
  fuzz(42, 1500, true, b);
  EXPECT_EQ(a.grants, b.grants);
  EXPECT_EQ(a.exchanges, b.exchanges);
  EXPECT_EQ(a.borrow_timeouts, b.borrow_timeouts);
  EXPECT_EQ(a.preempted, b.preempted);
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv

#pragma once
// Knobs of the DistKV-LLM protocol layer (rManager per instance, one gManager). Counts
// are in rBlocks (fixed-size groups of tokens' KV, see README.md), times in seconds.
#include <cstdint>
#include <string>

#include "core/scenario.hpp"

namespace lcperf::schedulers::serving::distkv {

// Floor of the periodic work's periods (heartbeats, reclaim looks), in seconds: the
// scenario loader's floor, so a config built in code meets the same rule.
inline constexpr double kMinPeriodS = core::kMinDistKvPeriodS;

struct DistKvConfig {
  int instances = 2;
  std::int64_t device_blocks = 0;      // rBlocks of GPU memory per instance
  std::int64_t host_blocks = 0;        // host-memory rBlocks per instance; 0 = no host tier
  std::int64_t lend_cap_blocks = 0;    // most rBlocks one instance lends out in total
  std::int64_t block_bytes = 0;        // bytes of one rBlock (what a block move sends)
  double heartbeat_period_s = 0.01;    // rManager -> gManager free-memory reports (>= kMinPeriodS)
  double reply_timeout_s = 0.005;      // every wait of a debtor (gManager answer, creditor answer)
  double exchange_timeout_s = 0.02;    // initiator's wait for an exchange answer (data moves first)
  double dead_after_s = 0.05;          // gManager declares an instance dead after this much silence
  double reclaim_period_s = 0.01;      // how often an instance looks for blocks to bring home (>= kMinPeriodS)
  std::int64_t max_blocks_per_exchange = 64;  // bounds one move's transfer size
  int max_candidates = 8;              // creditors the gManager proposes per query
};

// Throws core::InputError naming `where` and the rule broken.
void validate(const DistKvConfig& config, const std::string& where);

// Node ids on the protocol's wire: instances are 0..instances-1, the gManager is `instances`.
inline int gmanager_node(const DistKvConfig& config) { return config.instances; }

}  // namespace lcperf::schedulers::serving::distkv

#pragma once
// Thin controller loops that drive the protocol cores through the runtime seam: packets
// become controller messages (with their wire size, so the simulated network charges
// them), BlockTransfers become send/recv of a tensor of the blocks' bytes between the
// instances' ranks, and outcomes become decisions and records. Every wait is bounded by
// the core's next deadline, so a silent peer costs a timeout, never a hang.
//
// Until the serving engine drives allocations (integration comes later), an rManager
// controller replays a script of timed allocations and releases.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/distattention_ops.hpp"
#include "core/runtime.hpp"
#include "schedulers/serving/distkv/gmanager.hpp"
#include "schedulers/serving/distkv/rmanager.hpp"

namespace lcperf::schedulers::serving::distkv {

struct DistKvTopology {
  std::vector<int> instance_ranks;  // rank running instance i's rManager
  int gmanager_rank = -1;           // a rank of its own
  int rank_of(int node) const;      // protocol node id -> rank
  int node_of(int rank) const;      // rank -> protocol node id (throws when none)
};

struct ScriptedEvent {
  enum class Kind { allocate, release };
  double at_s = 0;
  Kind kind = Kind::allocate;
  std::int64_t request = 0;
  std::int64_t blocks = 0;  // allocate only
};

struct RManagerScript {
  std::vector<ScriptedEvent> events;  // in time order
  double vanish_at_s = -1;            // >= 0: stop answering from then on (a crashed instance)
  double stop_at_s = 1;
};

struct TimedOutcome {
  double time_s = 0;
  AllocationOutcome outcome;
};

// What one controller saw; each controller writes only its own records.
struct ControllerRecords {
  std::vector<TimedOutcome> outcomes;
  std::int64_t messages_sent = 0;
  std::int64_t message_bytes_sent = 0;
  std::int64_t transfer_bytes_sent = 0;
  std::int64_t transfer_bytes_received = 0;
};

core::RankProgram make_rmanager_program(std::shared_ptr<RManager> core, RManagerScript script, DistKvTopology topology,
                                        std::shared_ptr<ControllerRecords> records);
core::RankProgram make_gmanager_program(std::shared_ptr<GManager> core, double stop_at_s, DistKvTopology topology,
                                        std::shared_ptr<ControllerRecords> records);

// The serving integration. Each instance runs an agent: its rManager core driven by the
// engine's requests (engine_link.hpp messages) instead of a script, plus the service
// that runs other instances' micro-attentions on this instance's GPU (the agent's rank
// shares the engine's GPU). The gManager service runs until every instance's engine is
// done, then tells the agents to stop.
struct AgentRecords {
  ControllerRecords controller;
  std::int64_t attention_requests_served = 0;
  RManagerCounters final_counters;
};

struct AgentSetup {
  std::shared_ptr<RManager> core;
  DistKvTopology topology;  // instance_ranks are the agents' ranks
  int engine_rank = -1;     // this instance's engine (first rank)
  core::DistAttentionDims dims;
  std::shared_ptr<AgentRecords> records;
};

core::RankProgram make_agent_program(AgentSetup setup);
core::RankProgram make_gmanager_service_program(std::shared_ptr<GManager> core, DistKvTopology topology);

}  // namespace lcperf::schedulers::serving::distkv

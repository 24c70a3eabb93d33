#pragma once
// Actor programs written once and run either on SimGrid's S4U API directly or on the
// native engine, over the same SimGrid platform: the tests check that the native
// engine reproduces SimGrid's dates, the benchmark times both on the same work. Each
// run opens its own SimGrid engine, so one run per process.
#include <cstdint>
#include <vector>

#include "core/cluster_spec.hpp"

namespace lcperf::sim {

enum class CrossCheckEngine { simgrid, native };

struct CrossCheckRun {
  // Per actor and step: the date its own work ended, then the date its ring exchange
  // ended (actor-major). Steps not reached stay -1.
  std::vector<double> dates;
  std::uint64_t steps_done = 0;
  std::uint64_t activities = 0;  // executions, transfers and sleeps started
  double end_time_s = 0;
  double run_cpu_s = 0;  // process CPU time of the engine's run alone (no platform build)
};

// Six actors on four hosts behind uneven access links (so the backbone they share is
// split by route latency), each step an execution, a direct send (sometimes to its own
// host, over the loopback) or a sleep, then an exchange around the ring.
CrossCheckRun run_uneven_ring(CrossCheckEngine engine, int steps);

// One rank per GPU of lcperf's cluster platform (platform_builder.hpp): each step an
// execution, a sleep, or a detached message to another rank's permanent-receiver
// mailbox plus a copy to its node's CPU; then an exchange around a ring that crosses
// nodes. Every rank takes its messages at the end.
CrossCheckRun run_cluster_ring(CrossCheckEngine engine, const core::ClusterSpec& cluster, int steps);

}  // namespace lcperf::sim

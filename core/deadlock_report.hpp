#pragma once
// The deadlock report of the simulator (sim/) and of the live backends (backends/), in
// one wording: which ranks are stuck, what each program waits for, and what each of its
// streams is blocked in or has queued. Runtimes hand over plain data, so a user (or a
// test) reads the same phrases whichever runtime found the deadlock.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "core/runtime.hpp"

namespace lcperf::core {

// What a piece of stream work is, in every runtime's queues.
enum class WorkKind { kernel, send, recv, collective };

// "kernel 'fwd L0'", "send to rank 3 tag 5", "recv from rank 1 tag 0",
// "all_reduce over group 'dp'" (a missing group reads '?'). Only the fields of `kind`
// are read.
std::string describe_work(WorkKind kind, std::string_view name, int peer_rank, int tag, CollectiveKind collective,
                          const CommGroup* group);

struct StuckStream {
  int id = 0;
  std::string blocked_in;  // the work it started and cannot finish; empty: none
  std::size_t queued = 0;  // work waiting behind it
  std::string next;        // the first of that work; empty: not known
};

struct StuckRank {
  int rank = 0;
  std::string waiting_for;  // what the rank program is blocked in
  std::vector<StuckStream> streams;
};

// A large run can have thousands of stuck ranks; the first ones show the cycle.
inline constexpr std::size_t kMostRanksReported = 16;

// "deadlock: rank programs wait on each other forever (<run>, t=<time_s> s)", then one
// line per stuck rank: "rank R: <waiting_for>; stream S blocked in <work>; stream S has
// N queued (next: <work>)".
std::string deadlock_report(std::string_view run, double time_s, const std::vector<StuckRank>& ranks);

}  // namespace lcperf::core

#include "core/deadlock_report.hpp"

#include <sstream>

namespace lcperf::core {

std::string describe_work(WorkKind kind, std::string_view name, int peer_rank, int tag, CollectiveKind collective,
                          const CommGroup* group) {
  switch (kind) {
    case WorkKind::kernel: return "kernel '" + std::string(name) + "'";
    case WorkKind::send: return "send to rank " + std::to_string(peer_rank) + " tag " + std::to_string(tag);
    case WorkKind::recv: return "recv from rank " + std::to_string(peer_rank) + " tag " + std::to_string(tag);
    case WorkKind::collective:
      return std::string(to_string(collective)) + " over group '" + (group != nullptr ? group->name : "?") + "'";
  }
  return "?";
}

std::string deadlock_report(std::string_view run, double time_s, const std::vector<StuckRank>& ranks) {
  std::ostringstream out;
  out << "deadlock: rank programs wait on each other forever (" << run << ", t=" << time_s << " s)";
  for (std::size_t i = 0; i < ranks.size() && i < kMostRanksReported; ++i) {
    const StuckRank& rank = ranks[i];
    out << "\n  rank " << rank.rank << ": " << rank.waiting_for;
    for (const StuckStream& stream : rank.streams) {
      if (!stream.blocked_in.empty()) out << "; stream " << stream.id << " blocked in " << stream.blocked_in;
      if (stream.queued == 0) continue;
      out << "; stream " << stream.id << " has " << stream.queued << " queued";
      if (!stream.next.empty()) out << " (next: " << stream.next << ")";
    }
  }
  if (ranks.size() > kMostRanksReported) out << "\n  ... and " << ranks.size() - kMostRanksReported << " more ranks";
  return out.str();
}

}  // namespace lcperf::core

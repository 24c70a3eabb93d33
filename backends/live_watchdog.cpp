// LiveWorld's deadlock watchdog: the run is deadlocked when every unfinished rank
// program is blocked, no stream is executing work, and nothing has changed for
// LiveInput::deadlock_grace_s (every change of the bookkeeping moves its version).
#include <vector>

#include "backends/live_world.hpp"
#include "core/deadlock_report.hpp"

namespace lcperf::backends {

void LiveWorld::watchdog_loop() {
  using Clock = std::chrono::steady_clock;
  Lock lock(mu_);
  std::uint64_t seen = version_;
  auto since = Clock::now();
  while (!stopping_ && !aborted_) {
    changed_.wait_for(lock, std::chrono::milliseconds(20));
    if (stopping_ || aborted_) return;
    if (!everyone_blocked() || version_ != seen) {
      seen = version_;
      since = Clock::now();
      continue;
    }
    if (std::chrono::duration<double>(Clock::now() - since).count() >= input_.deadlock_grace_s) {
      abort(deadlock_report(), true);
      return;
    }
  }
}

bool LiveWorld::everyone_blocked() const {
  bool any_unfinished = false;
  for (const RankState& r : rank_states_) {
    if (!r.finished) {
      any_unfinished = true;
      if (r.blocked_on.empty()) return false;
    }
    for (const auto& [id, s] : r.streams) {
      if (s->executing) return false;
      if (!s->queue.empty() && s->current.empty()) return false;  // an idle stream's work is about to start
    }
  }
  return any_unfinished;
}

std::string LiveWorld::deadlock_report() const {
  std::vector<core::StuckRank> stuck;
  for (std::size_t rank = 0; rank < rank_states_.size(); ++rank) {
    const RankState& r = rank_states_[rank];
    if (r.finished) continue;
    core::StuckRank& report = stuck.emplace_back();
    report.rank = static_cast<int>(rank);
    report.waiting_for = r.blocked_on;
    for (const auto& [id, s] : r.streams) {
      report.streams.push_back({id, s->current, s->queue.size(), s->queue.empty() ? "" : describe(s->queue.front())});
    }
  }
  return core::deadlock_report(run_, now_s(), stuck);
}

}  // namespace lcperf::backends

#pragma once
// The gManager's protocol core (pure: no runtime, no threads). It keeps a heartbeat
// table of every instance's free memory (only as fresh as the last heartbeat), ranks
// creditors for a debtor, keeps the global debt ledger from creditors' debt changes, and
// is the failure detector: an instance silent for dead_after_s is declared dead, which is
// broadcast to everyone (the dead one included, so a slow-but-alive instance fences
// itself). A debtor's report of an unresponsive creditor only excludes it from candidate
// lists until its next heartbeat.
#include <cstdint>
#include <vector>

#include "schedulers/serving/distkv/config.hpp"
#include "schedulers/serving/distkv/debt_ledger.hpp"
#include "schedulers/serving/distkv/messages.hpp"

namespace lcperf::schedulers::serving::distkv {

struct InstanceView {
  bool heard = false;  // no heartbeat yet: never proposed as a creditor
  std::int64_t sequence = -1;
  std::int64_t free_blocks = 0;
  std::int64_t lendable_blocks = 0;
  double last_heard_s = 0;
  bool suspected = false;
  bool dead = false;
  bool parked = false;  // its last heartbeat said it parked: silence is expected, not death
};

struct GManagerCounters {
  std::int64_t queries = 0;
  std::int64_t empty_answers = 0;
  std::int64_t suspicions = 0;
  std::int64_t deaths_declared = 0;
  std::int64_t stale_heartbeats = 0;  // overtaken by a newer one on the wire
};

class GManager {
 public:
  GManager(const DistKvConfig& config, double start_s = 0);

  Actions on_packet(const Packet& packet, double now_s);
  Actions on_tick(double now_s);  // declares silent instances dead
  double next_deadline_s() const;

  // Candidates for `debtor`, best first: most lendable blocks, then lowest id; never the
  // debtor, a dead or suspected instance, or one whose last heartbeat showed nothing to lend.
  std::vector<int> rank_creditors(int debtor) const;

  const DebtLedger& ledger() const { return ledger_; }
  const std::vector<InstanceView>& view() const { return view_; }
  bool is_dead(int instance) const { return view_[static_cast<std::size_t>(instance)].dead; }
  const GManagerCounters& counters() const { return counters_; }

 private:
  bool from_live_instance(int node) const;
  Actions declare_dead(int instance);

  DistKvConfig config_;
  double start_s_;
  std::vector<InstanceView> view_;
  DebtLedger ledger_;
  GManagerCounters counters_;
};

}  // namespace lcperf::schedulers::serving::distkv

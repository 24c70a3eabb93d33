#pragma once
// One instance's rManager as a pure protocol core (no runtime, no threads): the rBlock
// tables of the requests homed here, the device and host pools, lending to debtors
// within the lending cap, the debtor side of borrowing, heartbeats, and the exchanges
// that bring blocks home (locality reclaim, and swaps that cancel two-instance debt
// cycles). Every wait has a deadline reported by next_deadline_s(); the driver calls
// on_tick() when it passes. See README.md for the messages and states.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "schedulers/serving/distkv/block_pool.hpp"
#include "schedulers/serving/distkv/config.hpp"
#include "schedulers/serving/distkv/messages.hpp"
#include "schedulers/serving/distkv/rblock.hpp"

namespace lcperf::schedulers::serving::distkv {

struct BorrowOp {
  enum class Phase { awaiting_candidates, awaiting_creditor };
  std::int64_t id = 0;
  std::int64_t request = 0;
  Phase phase = Phase::awaiting_candidates;
  std::vector<int> candidates;
  std::size_t next_candidate = 0;
  int asked = -1;
  double deadline_s = 0;
  std::int64_t remaining = 0;
  std::int64_t next_index = 0;  // logical index of the next block to place
  AllocationOutcome outcome;    // filled in as blocks are found
};

// An exchange with `peer`. On the initiator, pull[k].to_slot is push[k].from_slot for
// k < push.size() (a swap), and a slot reserved for the op otherwise (a plain pull).
struct ExchangeOp {
  std::int64_t id = 0;
  int peer = -1;
  std::vector<MoveItem> pull;
  std::vector<MoveItem> push;
  double deadline_s = 0;  // initiator only
};

struct RManagerCounters {
  std::int64_t allocations_ok = 0;
  std::int64_t allocations_preempted = 0;  // no room anywhere
  std::int64_t requests_lost = 0;          // blocks were on an instance that died
  std::int64_t grants_given = 0;
  std::int64_t blocks_lent = 0;
  std::int64_t refusals_given = 0;
  std::int64_t blocks_borrowed = 0;
  std::int64_t host_blocks_used = 0;
  std::int64_t borrow_timeouts = 0;
  std::int64_t late_grants_returned = 0;
  std::int64_t exchanges_committed = 0;
  std::int64_t swaps_committed = 0;        // exchanges that also pushed blocks home
  std::int64_t exchanges_rejected = 0;     // refused by this participant
  std::int64_t exchange_timeouts = 0;
  std::int64_t blocks_pulled_home = 0;     // this instance's blocks brought home
  std::int64_t blocks_pushed_home = 0;     // other instances' blocks sent home in swaps
  std::int64_t bytes_sent = 0;             // block data through BlockTransfer
  std::int64_t bytes_received = 0;
  std::int64_t anomalies = 0;              // messages that contradict local state (must stay 0)
};

class RManager {
 public:
  RManager(int instance, const DistKvConfig& config, double start_s = 0);

  // Engine side. allocate() places `blocks` more logical blocks for `request` (a new
  // request or growth): local first, then borrowed, then host; the outcome comes as an
  // action now or after the protocol ran. One allocation per request at a time.
  Actions allocate(std::int64_t request, std::int64_t blocks, double now_s);
  Actions release(std::int64_t request, double now_s);  // request done: every block freed

  // Protocol side.
  Actions on_packet(const Packet& packet, double now_s);
  Actions on_tick(double now_s);     // timeouts, heartbeat, reclaim look
  Actions start_reclaim(double now_s);  // one exchange toward the peer with most to bring home
  double next_deadline_s() const;  // infinity while parked
  // Parking: an rManager with nothing in flight (no request of its own, no borrow, no
  // exchange) has nothing to reclaim and nothing new to report, so after one heartbeat
  // saying so it stops its periodic work (next_deadline_s() is infinite) until a call
  // or a packet reaches it. Idle stretches of a trace, however long, then cost no
  // simulated events instead of one heartbeat and one reclaim look per period.
  bool parked() const { return parked_; }

  // Inspection (tests, audit, records).
  int instance() const { return self_; }
  const DistKvConfig& config() const { return config_; }
  bool fenced() const { return fenced_; }
  bool holds(std::int64_t request) const { return requests_.count(request) != 0; }
  bool allocating(std::int64_t request) const;
  std::int64_t lendable_blocks() const;
  const BlockPool& device() const { return device_; }
  const BlockPool& host() const { return host_; }
  const std::map<std::int64_t, RBlockTable>& tables() const { return requests_; }
  const std::map<int, std::int64_t>& lent_to() const { return lent_to_; }
  std::int64_t lent_total() const { return lent_total_; }
  const std::optional<ExchangeOp>& own_exchange() const { return exchange_; }
  const std::map<std::pair<int, std::int64_t>, ExchangeOp>& participations() const { return participating_; }
  const std::vector<std::pair<int, ReturnBlocks>>& deferred_returns() const { return deferred_returns_; }
  const std::map<std::int64_t, BorrowOp>& borrows() const { return borrows_; }
  const std::set<int>& known_dead() const { return dead_; }
  const RManagerCounters& counters() const { return counters_; }

 private:
  std::int64_t new_op_id();
  Packet to(int node, Body body) const { return Packet{self_, node, std::move(body)}; }
  Packet heartbeat();
  bool quiet() const;
  void unpark(double now_s);
  void ask_next_creditor(BorrowOp& op, double now_s, Actions& out);
  void finish_borrow(BorrowOp& op, Actions& out);  // candidates exhausted: host tier or preempt
  void complete_borrow(std::int64_t op_id, Actions& out);
  void release_request(std::int64_t request, Actions& out);
  void free_table(std::int64_t request, Actions& out);
  void lost_request(std::int64_t request, const std::string& reason, Actions& out);
  void run_deferred(Actions& out);
  void take_return(int home, const ReturnBlocks& rb, Actions& out);
  void unlend(int debtor, std::int64_t blocks, Actions& out);
  void abort_own_exchange(bool tell_peer, Actions& out);
  void commit_own_exchange(Actions& out);
  void transfer(bool sending, int peer, std::int64_t op, int direction, std::int64_t blocks, Actions& out);

  void on_borrow_request(int debtor, const BorrowRequest& m, Actions& out);
  void on_borrow_grant(int creditor, const BorrowGrant& m, double now_s, Actions& out);
  void on_borrow_refusal(int creditor, const BorrowRefusal& m, double now_s, Actions& out);
  void on_creditor_list(const CreditorList& m, double now_s, Actions& out);
  void on_instance_dead(int dead, double now_s, Actions& out);
  void on_exchange_propose(int initiator, const ExchangePropose& m, Actions& out);
  void on_exchange_reply(int participant, const ExchangeReply& m, Actions& out);
  void on_exchange_decision(int initiator, const ExchangeDecision& m, Actions& out);

  int self_;
  int gmanager_;
  DistKvConfig config_;
  BlockPool device_;
  BlockPool host_;
  std::map<std::int64_t, RBlockTable> requests_;
  std::map<int, std::int64_t> lent_to_;  // debtor -> blocks of its requests held here
  std::int64_t lent_total_ = 0;
  std::map<std::int64_t, BorrowOp> borrows_;
  std::optional<ExchangeOp> exchange_;   // as initiator, at most one
  std::map<std::pair<int, std::int64_t>, ExchangeOp> participating_;  // (initiator, op)
  std::set<std::pair<int, std::int64_t>> aborted_before_seen_;       // abort overtook its propose
  std::vector<std::pair<int, ReturnBlocks>> deferred_returns_;       // returns of slots being moved
  std::set<int> suspected_;  // did not answer in time; cleared by any message from them
  std::set<int> dead_;       // declared dead by the gManager
  bool fenced_ = false;      // this instance was declared dead: it takes no further part
  double next_heartbeat_s_;
  double next_reclaim_s_;
  std::int64_t heartbeat_sequence_ = 0;
  bool parked_ = false;
  std::int64_t op_counter_ = 0;
  RManagerCounters counters_;
};

}  // namespace lcperf::schedulers::serving::distkv

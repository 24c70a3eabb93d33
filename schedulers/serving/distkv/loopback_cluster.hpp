#pragma once
// All protocol cores of one cluster in one process with a hand-driven network: packets
// wait on a wire until the caller delivers them (in any order), the clock moves only
// when the caller says, and block transfers are tallied instead of timed. It makes the
// protocol testable step by step, with the global audit after any step; the runtime
// controllers (controller.hpp) run the same cores on the seam.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "schedulers/serving/distkv/audit.hpp"
#include "schedulers/serving/distkv/gmanager.hpp"
#include "schedulers/serving/distkv/rmanager.hpp"

namespace lcperf::schedulers::serving::distkv {

struct InstanceOutcome {
  int instance = -1;
  AllocationOutcome outcome;
};

class LoopbackCluster {
 public:
  explicit LoopbackCluster(const DistKvConfig& config);

  RManager& instance(int i) { return *instances_.at(static_cast<std::size_t>(i)); }
  const RManager& instance(int i) const { return *instances_.at(static_cast<std::size_t>(i)); }
  const GManager& gmanager() const { return gmanager_; }
  int instances() const { return static_cast<int>(instances_.size()); }

  double now_s() const { return now_s_; }
  void advance_to(double time_s);  // moves the clock only; tick() runs what is due
  void tick();                     // on_tick of the gManager and every running instance

  void allocate(int instance, std::int64_t request, std::int64_t blocks);
  void release(int instance, std::int64_t request);
  void reclaim(int instance);  // start_reclaim now
  void crash(int instance);    // stops: never called again, packets to it are dropped
  bool crashed(int instance) const { return crashed_.count(instance) != 0; }

  const std::vector<Packet>& in_flight() const { return wire_; }
  void deliver(std::size_t index);  // the index-th packet on the wire
  void deliver_all();               // oldest first, until the wire is empty

  const std::vector<InstanceOutcome>& outcomes() const { return outcomes_; }
  std::int64_t message_bytes() const { return message_bytes_; }
  std::int64_t messages() const { return messages_; }
  // Block data per (sender, receiver, tag), as each side reported it.
  const std::map<std::tuple<int, int, int>, std::int64_t>& bytes_sent() const { return sent_; }
  const std::map<std::tuple<int, int, int>, std::int64_t>& bytes_received() const { return received_; }

  std::vector<std::string> audit(bool quiescent) const;

 private:
  void run(int node, const Actions& actions);

  DistKvConfig config_;
  std::vector<std::unique_ptr<RManager>> instances_;
  GManager gmanager_;
  std::vector<Packet> wire_;
  std::set<int> crashed_;
  double now_s_ = 0;
  std::vector<InstanceOutcome> outcomes_;
  std::int64_t message_bytes_ = 0;
  std::int64_t messages_ = 0;
  std::map<std::tuple<int, int, int>, std::int64_t> sent_;
  std::map<std::tuple<int, int, int>, std::int64_t> received_;
};

}  // namespace lcperf::schedulers::serving::distkv

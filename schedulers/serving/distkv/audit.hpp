#pragma once
// Global consistency of the DistKV protocol state, seen from outside (tests, debugging):
// every used physical rBlock is claimed by exactly the rBlock-table entry that points at
// it or is demonstrably in transit (a grant, return or exchange commit still on the
// wire); each instance's pools add up to their capacity; lent counts match the slots
// lent; the gManager's ledger plus debt changes on the wire equals what creditors lent.
// With `quiescent` (nothing on the wire, every death known) the transit allowances are
// gone and no operation may be pending.
#include <set>
#include <string>
#include <vector>

#include "schedulers/serving/distkv/gmanager.hpp"
#include "schedulers/serving/distkv/messages.hpp"
#include "schedulers/serving/distkv/rmanager.hpp"

namespace lcperf::schedulers::serving::distkv {

struct AuditView {
  std::vector<const RManager*> instances;  // index = instance id
  const GManager* gmanager = nullptr;
  std::vector<Packet> in_flight;  // sent and not delivered yet (order irrelevant)
  std::set<int> crashed;          // stopped by the test, maybe not yet declared dead
};

// Each violation as one line naming the instance, slot or request; empty = consistent.
std::vector<std::string> audit(const AuditView& view, bool quiescent);

}  // namespace lcperf::schedulers::serving::distkv

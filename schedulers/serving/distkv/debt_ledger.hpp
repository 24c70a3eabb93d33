#pragma once
// The gManager's global debt ledger: how many rBlocks each debtor instance has on each
// creditor. It is the debt graph DGFM reasons about (edge debtor -> creditor).
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace lcperf::schedulers::serving::distkv {

class DebtLedger {
 public:
  void add(int debtor, int creditor, std::int64_t blocks);  // negative = repaid
  std::int64_t owed(int debtor, int creditor) const;
  std::int64_t total() const;
  void forget(int instance);  // a dead instance's debts and loans are written off
  // Pairs (a < b) that owe each other: the two-instance cycles a swap can cancel.
  std::vector<std::pair<int, int>> mutual_debts() const;
  const std::map<std::pair<int, int>, std::int64_t>& entries() const { return owed_; }

 private:
  std::map<std::pair<int, int>, std::int64_t> owed_;  // (debtor, creditor) -> blocks, non-zero only
};

}  // namespace lcperf::schedulers::serving::distkv

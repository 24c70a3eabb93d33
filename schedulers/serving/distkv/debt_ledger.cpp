#include "schedulers/serving/distkv/debt_ledger.hpp"

namespace lcperf::schedulers::serving::distkv {

void DebtLedger::add(int debtor, int creditor, std::int64_t blocks) {
  const auto key = std::make_pair(debtor, creditor);
  const std::int64_t now = (owed_[key] += blocks);
  // A repayment can overtake its loan on the wire, so a transient negative is kept.
  if (now == 0) owed_.erase(key);
}

std::int64_t DebtLedger::owed(int debtor, int creditor) const {
  auto it = owed_.find({debtor, creditor});
  return it == owed_.end() ? 0 : it->second;
}

std::int64_t DebtLedger::total() const {
  std::int64_t sum = 0;
  for (const auto& [key, blocks] : owed_) sum += blocks;
  return sum;
}

void DebtLedger::forget(int instance) {
  for (auto it = owed_.begin(); it != owed_.end();) {
    it = (it->first.first == instance || it->first.second == instance) ? owed_.erase(it) : std::next(it);
  }
}

std::vector<std::pair<int, int>> DebtLedger::mutual_debts() const {
  std::vector<std::pair<int, int>> out;
  for (const auto& [key, blocks] : owed_) {
    const auto [a, b] = key;
    if (a < b && blocks > 0 && owed(b, a) > 0) out.emplace_back(a, b);
  }
  return out;
}

}  // namespace lcperf::schedulers::serving::distkv

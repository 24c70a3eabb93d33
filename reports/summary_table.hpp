#pragma once
// The short tables `lcperf simulate` prints: the run's metrics, and — where a scenario
// has a closed form (uniform 1F1B bubble, analytic memory) — simulated vs expected.
#include <string>
#include <vector>

#include "core/result.hpp"
#include "reports/text_table.hpp"

namespace lcperf::reports {

// One simulated quantity checked against its closed-form value. `unit` picks the
// formatting: "s", "bytes", "ratio", "tokens/s", "flops" or free text.
struct ComparisonRow {
  std::string quantity;
  double simulated = 0;
  double expected = 0;
  std::string unit;
};

// (simulated - expected) / |expected|; 0 when both are 0, NaN when only expected is 0.
double relative_error(const ComparisonRow& row);

// metric | value, with human units (ms, GiB, %, tokens/s).
Table training_metrics_table(const core::TrainingResult& result);
// quantity | simulated | expected | rel. error
Table comparison_table(const std::vector<ComparisonRow>& rows);

// The two tables above rendered for the terminal; the comparison is omitted when empty.
std::string training_summary_text(const core::TrainingResult& result, const std::vector<ComparisonRow>& comparisons = {});

}  // namespace lcperf::reports

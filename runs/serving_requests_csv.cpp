#include "runs/serving_requests_csv.hpp"

#include <algorithm>
#include <cstdio>

namespace lcperf::runs {

std::string csv_seconds(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

namespace {

// Exact, so the table's latencies give result.json's percentiles exactly; empty for "never".
std::string seconds(double value, bool present) { return present ? csv_seconds(value) : ""; }

}  // namespace

std::string requests_csv(std::vector<schedulers::serving::RequestMetrics> requests) {
  std::sort(requests.begin(), requests.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::string out =
      "id,arrival_s,first_scheduled_s,first_token_s,finish_s,prompt_tokens,output_tokens,cached_tokens,preemptions,"
      "rejected,queueing_s,ttft_s,tpot_s,e2e_s,instance,prefill_instance\n";
  for (const auto& r : requests) {
    const bool scheduled = r.first_scheduled_s >= 0;
    const bool first = r.first_token_s >= 0;
    const bool done = r.finish_s >= 0 && !r.rejected;
    const bool tpot = done && first && r.output > 1;
    out += std::to_string(r.id) + "," + seconds(r.arrival_s, true) + "," + seconds(r.first_scheduled_s, scheduled) +
           "," + seconds(r.first_token_s, first) + "," + seconds(r.finish_s, done) + "," + std::to_string(r.prompt) +
           "," + std::to_string(r.output) + "," + std::to_string(r.cached_tokens) + "," +
           std::to_string(r.preemptions) + "," + (r.rejected ? "1" : "0") + "," +
           seconds(r.first_scheduled_s - r.arrival_s, done && scheduled) + "," +
           seconds(r.first_token_s - r.arrival_s, done && first) + "," +
           seconds((r.finish_s - r.first_token_s) / static_cast<double>(r.output - 1), tpot) + "," +
           seconds(r.finish_s - r.arrival_s, done) + "," + std::to_string(r.instance) + "," +
           std::to_string(r.prefill_instance) + "\n";
  }
  return out;
}

}  // namespace lcperf::runs

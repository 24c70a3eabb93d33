#include "schedulers/serving/slo.hpp"

namespace lcperf::schedulers::serving {

bool meets_slo(const RequestMetrics& r, const core::ServingSlo& slo) {
  if (r.rejected || r.finish_s < 0 || r.first_token_s < 0) return false;
  if (slo.ttft_s && r.first_token_s - r.arrival_s > *slo.ttft_s) return false;
  if (slo.e2e_s && r.finish_s - r.arrival_s > *slo.e2e_s) return false;
  if (slo.tpot_s && r.output > 1 &&
      (r.finish_s - r.first_token_s) / static_cast<double>(r.output - 1) > *slo.tpot_s) {
    return false;
  }
  return true;
}

SloOutcome evaluate_slo(const std::vector<RequestMetrics>& requests, const core::ServingSlo& slo, double duration_s) {
  SloOutcome out;
  out.requests = static_cast<int>(requests.size());
  std::int64_t met_tokens = 0;
  for (const RequestMetrics& r : requests) {
    if (!meets_slo(r, slo)) continue;
    ++out.met;
    met_tokens += r.output;
  }
  if (out.requests > 0) out.attainment = static_cast<double>(out.met) / out.requests;
  if (duration_s > 0) {
    out.goodput_requests_per_s = out.met / duration_s;
    out.goodput_tokens_per_s = static_cast<double>(met_tokens) / duration_s;
  }
  return out;
}

}  // namespace lcperf::schedulers::serving

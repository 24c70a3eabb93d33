#pragma once
// SLO attainment and goodput of a serving run from its per-request records: the share
// of requests that completed within every bound of the SLO, and the requests and output
// tokens per second those alone account for (DistServe's goodput).
#include <cstdint>
#include <vector>

#include "core/serving_slo.hpp"
#include "schedulers/serving/metrics.hpp"

namespace lcperf::schedulers::serving {

struct SloOutcome {
  int requests = 0;  // every measured request, rejected and unfinished ones included
  int met = 0;
  double attainment = 0;  // met / requests (0 with no requests)
  double goodput_requests_per_s = 0;  // met / duration_s (0 with no duration)
  double goodput_tokens_per_s = 0;    // output tokens of the met requests / duration_s
};

// A request meets `slo` when it completed (not rejected, finished) and each bound that
// is set holds: TTFT = first token - arrival, E2E = finish - arrival, TPOT = (finish -
// first token) / (output - 1), which a one-token output meets by having no second token.
bool meets_slo(const RequestMetrics& request, const core::ServingSlo& slo);

// `duration_s` is the run's (ServingSummary::duration_s, first arrival to last finish).
SloOutcome evaluate_slo(const std::vector<RequestMetrics>& requests, const core::ServingSlo& slo, double duration_s);

}  // namespace lcperf::schedulers::serving

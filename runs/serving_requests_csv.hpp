#pragma once
// requests.csv of a serving run: one row per request, the per-request table serving
// benchmarks print (arrival, scheduled, first token, finish, tokens, cached tokens,
// preemptions, the latencies the percentiles in result.json summarise, and the instances
// that served it).
#include <string>
#include <vector>

#include "schedulers/serving/metrics.hpp"

namespace lcperf::runs {

// Shortest text that reads back to the same double (a CSV cell of seconds).
std::string csv_seconds(double value);

// Rows in request id order; a time the request never reached (a rejected request's first
// token) and a latency it has none of (TPOT of a one-token output) are empty cells.
std::string requests_csv(std::vector<schedulers::serving::RequestMetrics> requests);

}  // namespace lcperf::runs

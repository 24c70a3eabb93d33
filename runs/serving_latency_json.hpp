#pragma once
// Latency figures of a serving run as result.json writes them: percentile objects
// (`p50`, `p90`, `p95`, `p99`, `mean`) and whole distributions (`itl_s`).
#include <vector>

#include <nlohmann/json.hpp>

#include "schedulers/serving/metrics.hpp"

namespace lcperf::runs {

nlohmann::ordered_json percentiles_json(const schedulers::serving::Percentiles& p);
nlohmann::ordered_json percentiles_json(const std::vector<double>& values);

// `count`, `mean`, `p50`, `p90`, `p95`, `p99`, `max` and `histogram`: {`upper_edges_s`,
// `counts`} (schedulers/serving/metrics.hpp, latency_distribution).
nlohmann::ordered_json distribution_json(const schedulers::serving::LatencyDistribution& d);

}  // namespace lcperf::runs

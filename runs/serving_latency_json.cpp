#include "runs/serving_latency_json.hpp"

namespace lcperf::runs {

nlohmann::ordered_json percentiles_json(const schedulers::serving::Percentiles& p) {
  return {{"p50", p.p50}, {"p90", p.p90}, {"p95", p.p95}, {"p99", p.p99}, {"mean", p.mean}};
}

nlohmann::ordered_json percentiles_json(const std::vector<double>& values) {
  return percentiles_json(schedulers::serving::percentiles(values));
}

nlohmann::ordered_json distribution_json(const schedulers::serving::LatencyDistribution& d) {
  nlohmann::ordered_json j;
  j["count"] = d.count;
  j["mean"] = d.percentiles.mean;
  j["p50"] = d.percentiles.p50;
  j["p90"] = d.percentiles.p90;
  j["p95"] = d.percentiles.p95;
  j["p99"] = d.percentiles.p99;
  j["max"] = d.max;
  j["histogram"] = {{"upper_edges_s", d.upper_edges_s}, {"counts", d.counts}};
  return j;
}

}  // namespace lcperf::runs

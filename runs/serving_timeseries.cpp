#include "runs/serving_timeseries.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runs/serving_requests_csv.hpp"

namespace lcperf::runs {

namespace {

namespace serving = schedulers::serving;

struct Row {
  int instance = 0;
  std::int64_t kv_total_blocks = 0;
  serving::EngineSample sample;
};

// The samples of one instance as rows: all of them, or the last of each of `buckets`
// equal buckets of [0, end_s].
void add_rows(const InstanceSeries& s, double end_s, std::size_t buckets, std::vector<Row>& rows) {
  const bool every_step = s.samples.size() <= buckets || !(end_s > 0);
  const auto bucket_of = [&](double t) {
    return std::min(buckets - 1, static_cast<std::size_t>(std::max(0.0, t / end_s * static_cast<double>(buckets))));
  };
  for (std::size_t i = 0; i < s.samples.size(); ++i) {
    const serving::EngineSample& x = s.samples[i];
    const bool last = i + 1 == s.samples.size();
    if (!every_step && !last && bucket_of(s.samples[i + 1].time_s) == bucket_of(x.time_s)) continue;  // not its bucket's last step
    rows.push_back({s.instance, s.kv_total_blocks, x});
  }
}

}  // namespace

std::vector<InstanceSeries> instance_series(const std::vector<std::shared_ptr<serving::EngineRecords>>& engines,
                                            const std::vector<int>& instances) {
  if (engines.size() != instances.size()) throw std::logic_error("instance_series: one instance number per engine");
  std::vector<InstanceSeries> out;
  out.reserve(engines.size());
  for (std::size_t i = 0; i < engines.size(); ++i) {
    out.push_back({instances[i], engines[i]->kv_total_blocks, {engines[i]->samples.data(), engines[i]->samples.size()}});
  }
  return out;
}

std::string timeseries_csv(const std::vector<InstanceSeries>& series, std::size_t max_rows_per_instance) {
  double end_s = 0;
  for (const InstanceSeries& s : series) {
    if (!s.samples.empty()) end_s = std::max(end_s, s.samples.back().time_s);
  }
  std::vector<Row> rows;
  for (const InstanceSeries& s : series) add_rows(s, end_s, std::max<std::size_t>(1, max_rows_per_instance), rows);
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.sample.time_s < b.sample.time_s || (a.sample.time_s == b.sample.time_s && a.instance < b.instance);
  });
  std::string out = "time_s,instance,running,waiting,kv_used_blocks,kv_total_blocks\n";
  for (const Row& r : rows) {
    out += csv_seconds(r.sample.time_s) + "," + std::to_string(r.instance) + "," + std::to_string(r.sample.running) +
           "," + std::to_string(r.sample.waiting) + "," + std::to_string(r.sample.kv_used_blocks) + "," +
           std::to_string(r.kv_total_blocks) + "\n";
  }
  return out;
}

}  // namespace lcperf::runs

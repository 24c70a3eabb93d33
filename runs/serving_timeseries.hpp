#pragma once
// timeseries.csv of a serving run: each instance's state over time, from the samples its
// engine keeps at every step (schedulers/serving/engine.hpp, EngineSample).
//
// Header `time_s,instance,running,waiting,kv_used_blocks,kv_total_blocks`, rows in time
// order (ties by instance). An instance with at most `max_rows_per_instance` steps has
// one row per step; one with more has one row per time bucket its steps fall in, the
// run's span [0, last step's end] cut into `max_rows_per_instance` equal buckets, each
// row being the bucket's last step (its time and values), so a replay of a million steps
// stays a few thousand rows per instance and its last row is still the run's end state.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "schedulers/serving/engine.hpp"

namespace lcperf::runs {

inline constexpr std::size_t kTimeseriesRowsPerInstance = 2000;

struct InstanceSeries {
  int instance = 0;
  std::int64_t kv_total_blocks = 0;
  std::span<const schedulers::serving::EngineSample> samples;  // in step order (the engine's records)
};

// One series per engine, viewing its records (which must outlive them); `instances[i]`
// is engines[i]'s instance number (for disaggregated pools, prefill instances first,
// then decode instances).
std::vector<InstanceSeries> instance_series(
    const std::vector<std::shared_ptr<schedulers::serving::EngineRecords>>& engines, const std::vector<int>& instances);

std::string timeseries_csv(const std::vector<InstanceSeries>& series,
                           std::size_t max_rows_per_instance = kTimeseriesRowsPerInstance);

}  // namespace lcperf::runs

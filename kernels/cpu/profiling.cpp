// Medians, not means: a single preempted repetition must not move a table point.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>

#include <time.h>

#include "kernels/profiling.hpp"

namespace lcperf::kernels {

namespace {

class SteadyTimer final : public IntervalTimer {
 public:
  void start() override {
    cpu_begin_ = thread_cpu_seconds();
    begin_ = std::chrono::steady_clock::now();
  }
  double stop_seconds() override {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count();
    const double cpu = thread_cpu_seconds() - cpu_begin_;
    // The two clocks tick differently; an interval too short to resolve counts as whole.
    share_ = wall > 1e-6 ? std::min(1.0, cpu / wall) : 1.0;
    return wall;
  }
  double last_cpu_share() const override { return share_; }

 private:
  std::chrono::steady_clock::time_point begin_{};
  double cpu_begin_ = 0;
  double share_ = 1.0;
};

std::string json_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::unique_ptr<IntervalTimer> make_steady_timer() { return std::make_unique<SteadyTimer>(); }

int rotation_copies(std::size_t bytes_per_call, const ProfileOptions& options) {
  if (bytes_per_call == 0) return 1;
  const std::size_t needed = (2 * options.cache_bytes + bytes_per_call - 1) / bytes_per_call;
  return static_cast<int>(std::clamp<std::size_t>(needed, 1, static_cast<std::size_t>(std::max(1, options.max_copies))));
}

double median_of(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("median of no samples");
  std::sort(samples.begin(), samples.end());
  const std::size_t mid = samples.size() / 2;
  return samples.size() % 2 == 1 ? samples[mid] : 0.5 * (samples[mid - 1] + samples[mid]);
}

std::vector<ProfileResult> profile_cases(const std::vector<ProfileCase>& cases, const ProfileOptions& options,
                                         IntervalTimer& timer) {
  std::vector<ProfileResult> results;
  for (const ProfileCase& c : cases) {
    const int copies = rotation_copies(c.bytes_per_call, options);
    if (c.prepare) c.prepare(copies);
    int next = 0;
    for (int i = 0; i < options.warmup; ++i) c.run(next++ % copies);
    // Samples taken while another process held the core are set aside and taken again:
    // they time the host's load, which a device profile must not bake in.
    const int wanted = std::max(1, options.repetitions);
    const int attempts = wanted * std::max(1, options.max_attempts);
    std::vector<double> samples, preempted;
    for (int i = 0; i < attempts && static_cast<int>(samples.size()) < wanted; ++i) {
      const int copy = next++ % copies;
      timer.start();
      c.run(copy);
      const double seconds = timer.stop_seconds();
      (timer.last_cpu_share() >= options.min_cpu_share ? samples : preempted).push_back(seconds);
    }
    if (c.release) c.release();
    ProfileResult r;
    r.preempted = static_cast<int>(preempted.size());
    if (samples.empty()) {
      r.all_preempted = true;
      samples = std::move(preempted);
    }
    r.op_class = c.op_class;
    r.shape_json = c.shape_json;
    r.median_s = median_of(samples);
    r.min_s = *std::min_element(samples.begin(), samples.end());
    r.max_s = *std::max_element(samples.begin(), samples.end());
    r.repetitions = static_cast<int>(samples.size());
    r.copies = copies;
    results.push_back(r);
  }
  return results;
}

std::string profile_tables_json(const std::vector<ProfileResult>& results) {
  std::map<std::string, std::vector<const ProfileResult*>> by_class;
  for (const ProfileResult& r : results) by_class[r.op_class].push_back(&r);
  std::string json = "{";
  bool first_class = true;
  for (const auto& [name, rows] : by_class) {
    json += first_class ? "\n" : ",\n";
    first_class = false;
    json += "  \"" + name + "\": {\"table\": [";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      json += i == 0 ? "\n" : ",\n";
      // A measured time of 0 would be rejected by the profile reader (time_s > 0).
      json += "    {\"shape\": " + rows[i]->shape_json + ", \"time_s\": " + json_number(std::max(rows[i]->median_s, 1e-9)) + "}";
    }
    json += "\n  ]}";
  }
  json += "\n}\n";
  return json;
}

}  // namespace lcperf::kernels

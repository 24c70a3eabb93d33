#pragma once
// The configurations of a sweep: the Cartesian product of its axes, enumerated in a
// fixed order (axes sorted by path, the last varying fastest) so that an index names the
// same configuration in every run, shard and resume. Each configuration is identified by
// its key: the canonical JSON object of its overrides, which results.jsonl stores.
#include <cstddef>
#include <string>
#include <vector>

#include "runs/sweep_spec.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

struct SweepConfig {
  std::size_t index = 0;                  // position in the full enumeration
  std::vector<core::Override> overrides;  // the axes' values (derived dp included), axis order
  std::string key;                        // canonical JSON object {path: value}
  // Set when the configuration cannot even be formed: "auto" dp with tp*pp*cp not
  // dividing the GPU count.
  std::string derive_error;
  // Index of an earlier configuration that runs the same simulation (a Megatron run
  // does not read strategy.chunk_size or strategy.k); equal to `index` otherwise.
  std::size_t same_as = 0;
};

// Shard i of n: the configurations whose index % n == i.
struct Shard {
  int index = 0;
  int count = 1;
};
Shard parse_shard(const std::string& text);  // "i/n"; InputError when malformed

// The parallel degrees and strategy of the base scenario (with "set" applied), used to
// derive dp and spot equivalent configurations when an axis does not set them.
struct SweepBase {
  core::Scenario scenario;
  std::string text;  // the base file's JSON text, read once
};
SweepBase load_sweep_base(const SweepSpec& spec);

// Every configuration of the sweep, in index order.
std::vector<SweepConfig> enumerate_configs(const SweepSpec& spec, const SweepBase& base);

// The axes of a configuration (its key's paths) that its strategy does not read, so a
// table shows them as "—": strategy.chunk_size and strategy.k unless the strategy (the
// key's strategy.name, else `base_strategy`) reads them.
std::vector<std::string> ignored_axes(const std::string& config_key, core::Strategy base_strategy);

// The key of a set of overrides (canonical: sorted paths, values as JSON).
std::string config_key(const std::vector<core::Override>& overrides);

}  // namespace lcperf::runs

#include "runs/sweep_configs.hpp"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/strict_json.hpp"
#include "runs/training_strategy.hpp"

namespace lcperf::runs {

namespace {

using nlohmann::json;

// An override value as the loader reads it: JSON when it parses, else a plain string.
json override_value(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;
  return value;
}

int degree(const std::vector<core::Override>& overrides, const std::string& path, int fallback) {
  for (const core::Override& o : overrides) {
    if (o.path != path) continue;
    const json v = override_value(o.value);
    return v.is_number_integer() ? v.get<int>() : 0;  // 0: invalid, left for validation to report
  }
  return fallback;
}

// The strategy the overrides name, else the base's; nullopt for a value that names none
// (left for the loader to report).
std::optional<core::Strategy> strategy_of(const std::vector<core::Override>& overrides, core::Strategy fallback) {
  for (const core::Override& o : overrides) {
    if (o.path != "strategy.name") continue;
    const json v = override_value(o.value);
    return v.is_string() ? core::parse_option<core::Strategy>(v.get<std::string>()) : std::nullopt;
  }
  return fallback;
}

// The key of the simulation a configuration runs: a Megatron run ignores the ChunkFlow
// parameters, so configurations differing only there are the same simulation.
std::string simulation_key(const std::vector<core::Override>& overrides, core::Strategy base_strategy) {
  const std::optional<core::Strategy> strategy = strategy_of(overrides, base_strategy);
  if (strategy && training_strategy(*strategy).reads_chunk_parameters) return config_key(overrides);
  std::vector<core::Override> kept;
  for (const core::Override& o : overrides) {
    if (o.path != "strategy.chunk_size" && o.path != "strategy.k") kept.push_back(o);
  }
  return config_key(kept);
}

}  // namespace

std::vector<std::string> ignored_axes(const std::string& config_key, core::Strategy base_strategy) {
  const json config = json::parse(config_key);
  std::optional<core::Strategy> strategy = base_strategy;
  if (config.contains("strategy.name") && config.at("strategy.name").is_string()) {
    strategy = core::parse_option<core::Strategy>(config.at("strategy.name").get<std::string>());
  }
  if (!strategy || training_strategy(*strategy).reads_chunk_parameters) return {};
  return {"strategy.chunk_size", "strategy.k"};
}

Shard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  Shard shard;
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text.size();
  try {
    std::size_t used = 0;
    if (ok) shard.index = std::stoi(text.substr(0, slash), &used);
    ok = ok && used == slash;
    if (ok) shard.count = std::stoi(text.substr(slash + 1), &used);
    ok = ok && used == text.size() - slash - 1;
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok || shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    throw core::InputError("--shard '" + text + "': expected i/n with 0 <= i < n (e.g. 0/4)");
  }
  return shard;
}

SweepBase load_sweep_base(const SweepSpec& spec) {
  SweepBase base;
  base.text = core::read_text_file(spec.base_path);
  try {
    base.scenario = core::load_scenario_text(base.text, spec.base_path, spec.fixed);
  } catch (const core::InputError& error) {
    throw core::InputError(spec.source_path + ": the base scenario with \"set\" applied does not load: " + error.what());
  }
  base.scenario.source_path = spec.base_path;
  return base;
}

std::string config_key(const std::vector<core::Override>& overrides) {
  json key = json::object();  // std::map underneath: sorted, hence canonical
  for (const core::Override& o : overrides) key[o.path] = override_value(o.value);
  return key.dump();
}

std::vector<SweepConfig> enumerate_configs(const SweepSpec& spec, const SweepBase& base) {
  std::vector<const SweepAxis*> varied;
  const SweepAxis* derived = nullptr;
  std::size_t total = 1;
  for (const SweepAxis& axis : spec.axes) {
    if (axis.derived_dp) {
      derived = &axis;
    } else {
      varied.push_back(&axis);
      total *= axis.values.size();
    }
  }
  const core::ParallelConfig& bp = base.scenario.parallel;
  std::vector<SweepConfig> configs(total);
  std::map<std::string, std::size_t> first_of;  // simulation key -> first index running it
  for (std::size_t index = 0; index < total; ++index) {
    SweepConfig& c = configs[index];
    c.index = index;
    std::size_t rest = index;
    std::vector<std::size_t> digits(varied.size());
    for (std::size_t a = varied.size(); a-- > 0;) {  // the last axis varies fastest
      digits[a] = rest % varied[a]->values.size();
      rest /= varied[a]->values.size();
    }
    for (std::size_t a = 0; a < varied.size(); ++a) c.overrides.push_back({varied[a]->path, varied[a]->values[digits[a]]});
    if (derived != nullptr) {
      const int tp = degree(c.overrides, "parallel.tp", bp.tp);
      const int pp = degree(c.overrides, "parallel.pp", bp.pp);
      const int cp = degree(c.overrides, "parallel.cp", bp.cp);
      const long long group = static_cast<long long>(tp) * pp * cp;
      if (group < 1 || spec.gpus % group != 0) {
        c.derive_error = "tp*pp*cp=" + std::to_string(group) + " does not divide the " + std::to_string(spec.gpus) +
                         " GPUs, so dp cannot be derived";
      } else {
        c.overrides.push_back({"parallel.dp", std::to_string(spec.gpus / group)});
      }
    }
    c.key = config_key(c.overrides);
    c.same_as = first_of.emplace(simulation_key(c.overrides, base.scenario.strategy.name), index).first->second;
  }
  return configs;
}

}  // namespace lcperf::runs

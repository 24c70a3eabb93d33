#include "runs/sweep_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/strict_json.hpp"

namespace lcperf::runs {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Bounds that keep a typo (a range to 1e9) from enumerating forever.
constexpr std::size_t kMaxAxisValues = 4096;
constexpr double kMaxConfigurations = 1e7;

// {"range": [lo, hi], "step": 1 | "x2"}: integers from lo to hi inclusive, added or
// multiplied by the step.
std::vector<std::string> range_values(core::ObjectReader& axis) {
  const std::vector<double> bounds = axis.numbers("range");
  if (bounds.size() != 2) axis.fail("range", "expected [low, high]");
  for (double b : bounds) {
    if (b != static_cast<double>(static_cast<std::int64_t>(b))) axis.fail("range", "bounds must be integers");
  }
  const auto low = static_cast<std::int64_t>(bounds[0]);
  const auto high = static_cast<std::int64_t>(bounds[1]);
  if (low > high) axis.fail("range", "low must not exceed high");
  std::int64_t add = 1;
  std::int64_t multiply = 1;
  if (const json* step = axis.find("step")) {
    if (step->is_string()) {
      const std::string text = step->get<std::string>();
      std::int64_t factor = 0;
      if (text.size() >= 2 && text[0] == 'x' && std::all_of(text.begin() + 1, text.end(), [](char c) { return c >= '0' && c <= '9'; }) && text.size() < 8) {
        factor = std::stoll(text.substr(1));
      }
      if (factor < 2) axis.fail("step", "a geometric step is \"xN\" with N >= 2 (got \"" + text + "\")");
      if (low < 1) axis.fail("range", "a geometric range must start at 1 or more");
      multiply = factor;
      add = 0;
    } else {
      add = axis.integer("step", core::Range::at_least(1));
    }
  }
  axis.finish();
  std::vector<std::string> values;
  for (std::int64_t v = low; v <= high; v = multiply > 1 ? v * multiply : v + add) {
    values.push_back(std::to_string(v));
    if (values.size() > kMaxAxisValues) axis.fail_here("more than " + std::to_string(kMaxAxisValues) + " values");
  }
  return values;
}

std::vector<std::string> list_values(const json& list, const std::string& origin, const std::string& path) {
  if (list.empty()) core::throw_at(origin, path, "an axis needs at least one value");
  if (list.size() > kMaxAxisValues) core::throw_at(origin, path, "more than " + std::to_string(kMaxAxisValues) + " values");
  std::vector<std::string> values;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& v = list[i];
    const std::string where = path + "[" + std::to_string(i) + "]";
    if (!(v.is_number() || v.is_string() || v.is_boolean())) {
      core::throw_at(origin, where, "expected a number, string or boolean, got " + core::describe_json(v));
    }
    const std::string text = v.dump();
    if (!seen.insert(text).second) core::throw_at(origin, where, "repeats the value " + text);
    values.push_back(text);
  }
  return values;
}

SweepAxis parse_axis(const std::string& key, const json& value, const std::string& origin, const std::string& path) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) {
    core::throw_at(origin, path, "an axis is a dotted path such as \"parallel.tp\"");
  }
  SweepAxis axis;
  axis.path = key;
  if (value.is_string() && value.get<std::string>() == "auto") {
    if (key != "parallel.dp") core::throw_at(origin, path, "only parallel.dp may be \"auto\"");
    axis.derived_dp = true;
  } else if (value.is_array()) {
    axis.values = list_values(value, origin, path);
  } else if (value.is_object()) {
    core::ObjectReader reader(value, origin, path);
    axis.values = range_values(reader);
  } else {
    core::throw_at(origin, path, "expected a list of values, {\"range\": [low, high], \"step\": ...} or \"auto\", got " +
                                     core::describe_json(value));
  }
  return axis;
}

void parse_constraints(core::ObjectReader constraints, SweepSpec& spec) {
  if (const json* gpus = constraints.find("gpus")) {
    if (gpus->is_object()) {
      core::ObjectReader rule = constraints.object("gpus");
      spec.gpus = rule.int32("max", core::Range::at_least(1));
      spec.gpu_rule = GpuRule::at_most;
      rule.finish();
    } else {
      spec.gpus = constraints.int32("gpus", core::Range::at_least(1));
      spec.gpu_rule = GpuRule::exact;
    }
  }
  spec.memory_fit = constraints.choice_or("memory", "off", {"fit", "off"}) == "fit";
  constraints.finish();
}

SweepObjective parse_objective(core::ObjectReader objective) {
  const bool maximize = objective.has("maximize");
  const bool minimize = objective.has("minimize");
  if (maximize == minimize) objective.fail_here("give exactly one of \"maximize\" or \"minimize\"");
  const char* key = maximize ? "maximize" : "minimize";
  SweepObjective result;
  result.maximize = maximize;
  result.metric = objective.string(key);
  const std::vector<std::string>& known = sweep_metrics();
  if (std::find(known.begin(), known.end(), result.metric) == known.end()) {
    std::string list;
    for (const std::string& m : known) list += (list.empty() ? "" : ", ") + m;
    objective.fail(key, "unknown metric \"" + result.metric + "\" (known: " + list + ")");
  }
  objective.finish();
  return result;
}

// "simulate": "all" or {"top": N, "sample": N}.
SimulateSelection parse_simulate(core::ObjectReader& reader) {
  SimulateSelection selection;
  const json* value = reader.find("simulate");
  if (value == nullptr) return selection;
  if (value->is_string()) {
    if (value->get<std::string>() != "all") {
      core::throw_at(reader.origin(), reader.path_of("simulate"), "expected \"all\" or {\"top\": N, \"sample\": N}");
    }
    selection.all = true;
    return selection;
  }
  if (!value->is_object()) {
    core::throw_at(reader.origin(), reader.path_of("simulate"), "expected \"all\" or {\"top\": N, \"sample\": N}");
  }
  core::ObjectReader object(*value, reader.origin(), reader.path_of("simulate"));
  selection.top = object.int32_or("top", selection.top, core::Range::at_least(1).at_most(10000000));
  selection.sample = object.int32_or("sample", selection.sample, core::Range::at_least(0).at_most(10000000));
  object.finish();
  return selection;
}

}  // namespace

const std::vector<std::string>& sweep_metrics() {
  static const std::vector<std::string> metrics = {"tokens_per_s", "iteration_time_s", "mfu", "peak_memory_bytes",
                                                   "bubble_ratio", "dp_imbalance"};
  return metrics;
}

SweepSpec parse_sweep_spec(const std::string& json_text, const std::string& origin) {
  const json root = core::parse_json(json_text, origin);
  core::ObjectReader reader(root, origin);
  SweepSpec spec;
  spec.source_path = origin;
  spec.name = reader.string_or("name", fs::path(origin).stem().string());
  reader.ignore("description");
  reader.string_or("$schema", "");  // an editor's pointer to schema/sweep.schema.json
  const std::string base = reader.string("base");
  spec.base_path = (fs::path(origin).parent_path() / base).lexically_normal().string();
  if (fs::path(base).is_absolute()) spec.base_path = base;

  if (const json* fixed = reader.find("set")) {
    if (!fixed->is_object()) core::throw_at(origin, reader.path_of("set"), "expected an object of path: value");
    for (const auto& item : fixed->items()) spec.fixed.push_back({item.key(), item.value().dump()});
  }

  const json& axes = reader.raw("axes");
  const std::string axes_path = reader.path_of("axes");
  if (!axes.is_object() || axes.empty()) core::throw_at(origin, axes_path, "expected a non-empty object of axes");
  double product = 1;
  for (const auto& item : axes.items()) {
    const std::string path = core::ObjectReader(axes, origin, axes_path).path_of(item.key());
    spec.axes.push_back(parse_axis(item.key(), item.value(), origin, path));
    product *= std::max<double>(1, static_cast<double>(spec.axes.back().values.size()));
  }
  if (product > kMaxConfigurations) core::throw_at(origin, axes_path, "more than 1e7 configurations");

  if (auto constraints = reader.object_if_present("constraints")) parse_constraints(*constraints, spec);
  const bool derived = std::any_of(spec.axes.begin(), spec.axes.end(), [](const SweepAxis& a) { return a.derived_dp; });
  if (derived && spec.gpu_rule != GpuRule::exact) {
    core::throw_at(origin, axes_path, "\"parallel.dp\": \"auto\" needs an exact GPU count in constraints.gpus");
  }
  if (auto objective = reader.object_if_present("objective")) spec.objective = parse_objective(*objective);
  spec.top = reader.int32_or("top", 10, core::Range::at_least(1).at_most(100000));
  spec.simulate = parse_simulate(reader);
  reader.finish();
  return spec;
}

SweepSpec load_sweep_spec(const std::string& path) { return parse_sweep_spec(core::read_text_file(path), path); }

}  // namespace lcperf::runs

#include "studies/measured_runs.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_location.hpp"
#include "core/strict_json.hpp"

namespace lcperf::studies {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// parse_json places a one-line text's errors at "ORIGIN:1:COL"; the file's line goes there.
json parse_row_json(std::string_view line, const std::string& path, std::size_t number) {
  try {
    return core::parse_json(line, path);
  } catch (const core::InputError& error) {
    const std::string message = error.what();
    const std::string first_line = path + ":1:";
    if (!starts_with(message, first_line)) throw;
    throw core::InputError(path + ":" + std::to_string(number) + ":" + message.substr(first_line.size()));
  }
}

// A number in the canonical unit, or {"value": V, "unit": U} in any accepted spelling.
double read_measured_value(const json& value, const MetricSpec& spec, const core::ObjectReader& measured) {
  const std::string path = measured.path_of(spec.name);
  if (value.is_number()) {
    const double number = value.get<double>();
    if (const auto broken = core::Range::positive().violation(number)) {
      measured.fail(spec.name, *broken + " (got " + core::describe_json(value) + ")");
    }
    return number;
  }
  if (!value.is_object()) {
    measured.fail(spec.name, "expected a number in " + std::string(spec.canonical_unit()) +
                                 " or {\"value\": V, \"unit\": U}, got " + core::describe_json(value));
  }
  core::ObjectReader r(value, measured.origin(), path);
  const double number = r.number("value", core::Range::positive());
  const std::string unit = r.string("unit");
  r.finish();
  std::string allowed;
  for (const UnitSpelling& spelling : spec.units) {
    if (spelling.unit == unit) return number * spelling.to_canonical;
    allowed += (allowed.empty() ? "" : ", ") + std::string(spelling.unit);
  }
  r.fail("unit", "'" + unit + "' is not a unit of " + std::string(spec.name) + " (allowed: " + allowed + ")");
}

std::vector<MeasuredValue> read_measured(core::ObjectReader measured, RunKind kind) {
  std::vector<MeasuredValue> values;
  // find() marks every metric name as known, so an unknown key is reported with the
  // whole list and a "did you mean".
  for (const MetricSpec& spec : measured_metrics()) {
    const json* value = measured.find(spec.name);
    if (value == nullptr) continue;
    if (spec.kind != kind) {
      measured.fail(spec.name, "a " + std::string(run_kind_name(spec.kind)) + " metric, but the scenario is a " +
                                   std::string(run_kind_name(kind)) + " run");
    }
    values.push_back({spec.metric, read_measured_value(*value, spec, measured)});
  }
  measured.finish();
  if (values.empty()) measured.fail_here("no measured metric (give at least one)");
  return values;
}

core::Override parse_row_override(const std::string& text, const std::string& origin, const std::string& path) {
  try {
    return core::parse_override(text);
  } catch (const core::InputError& error) {
    core::throw_at(origin, path, error.what());
  }
}

std::vector<core::Override> read_overrides(const json* set, const core::ObjectReader& row) {
  std::vector<core::Override> overrides;
  if (set == nullptr) return overrides;
  const std::string path = row.path_of("set");
  if (set->is_array()) {
    for (std::size_t i = 0; i < set->size(); ++i) {
      const json& item = (*set)[i];
      const std::string item_path = core::index_path(path, i);
      if (!item.is_string()) {
        core::throw_at(row.origin(), item_path, "expected a string \"path=value\", got " + core::describe_json(item));
      }
      overrides.push_back(parse_row_override(item.get<std::string>(), row.origin(), item_path));
    }
    return overrides;
  }
  if (!set->is_object()) {
    row.fail("set", "expected a list of \"path=value\" strings or an object of dotted paths, got " +
                        core::describe_json(*set));
  }
  // The value is kept as JSON text, so {"strategy.schedule": "gpipe"} stays a string and
  // {"parallel.tp": 4} a number, exactly as written.
  for (const auto& [key, value] : set->items()) {
    const std::string key_path = core::child_path(path, key);
    if (key.find('=') != std::string::npos) core::throw_at(row.origin(), key_path, "a path must not contain '='");
    overrides.push_back(parse_row_override(key + "=" + value.dump(), row.origin(), key_path));
  }
  return overrides;
}

// The loader's messages name the origin ("runs.jsonl: $.parallel.tp: ..."); for a row
// they name the line and put the scenario's paths under $.scenario, overrides under $.set.
[[noreturn]] void rethrow_for_row(const core::InputError& error, const std::string& origin, const std::string& where,
                                  bool inline_scenario) {
  const std::string message = error.what();
  const std::string own = origin + ": ";
  if (starts_with(message, own)) {
    const std::string rest = message.substr(own.size());
    if (starts_with(rest, "--set ")) throw core::InputError(where + ": $.set: " + rest);
    if (inline_scenario && starts_with(rest, "$")) throw core::InputError(where + ": $.scenario" + rest.substr(1));
  }
  throw core::InputError(where + ": $.scenario: " + message);
}

struct LoadedScenario {
  core::Scenario scenario;
  std::string ref;
  std::string identity;  // what the scenario was loaded from: the absolute path or the inline text
};

LoadedScenario load_row_scenario(const json& value, const std::vector<core::Override>& overrides,
                                 const std::string& path, const core::ObjectReader& row) {
  if (value.is_string()) {
    const std::string ref = value.get<std::string>();
    if (ref.empty()) row.fail("scenario", "empty scenario path");
    const fs::path file = fs::path(ref).is_absolute() ? fs::path(ref) : fs::path(path).parent_path() / ref;
    try {
      return {core::load_scenario(file.string(), overrides), ref, fs::absolute(file).lexically_normal().string()};
    } catch (const core::InputError& error) {
      rethrow_for_row(error, file.string(), row.origin(), false);
    }
  }
  if (!value.is_object()) {
    row.fail("scenario", "expected a scenario file path or an inline scenario object, got " +
                             core::describe_json(value));
  }
  try {
    // Loaded with the file as its origin, so relative model/cluster paths and the data
    // folder are found from the file's folder, as for a scenario file kept there.
    const std::string text = value.dump();
    return {core::load_scenario_text(text, path, overrides), "inline", text};
  } catch (const core::InputError& error) {
    rethrow_for_row(error, path, row.origin(), true);
  }
}

MeasuredRow read_row(const json& value, const std::string& path, std::size_t line) {
  const std::string where = path + ":" + std::to_string(line);
  if (!value.is_object()) {
    throw core::InputError(where + ": expected a JSON object per line, got " + core::json_type_name(value));
  }
  core::ObjectReader r(value, where);
  MeasuredRow row;
  row.line = line;
  row.id = r.string("id");
  if (row.id.empty()) r.fail("id", "must not be empty");
  row.source = r.string("source");
  if (row.source.empty()) r.fail("source", "must not be empty: cite where the numbers come from");
  row.note = r.string_or("note", "");
  const std::vector<core::Override> overrides = read_overrides(r.find("set"), r);
  for (const core::Override& o : overrides) row.overrides.push_back(o.path + "=" + o.value);
  LoadedScenario loaded = load_row_scenario(r.raw("scenario"), overrides, path, r);
  row.scenario = std::move(loaded.scenario);
  row.scenario_ref = std::move(loaded.ref);
  row.run_key = std::move(loaded.identity);
  for (const std::string& o : row.overrides) row.run_key += "\n" + o;
  row.kind = run_kind_of(row.scenario);
  row.measured = read_measured(r.object("measured"), row.kind);
  r.finish();
  return row;
}

}  // namespace

RunKind run_kind_of(const core::Scenario& scenario) {
  return scenario.kind == core::ScenarioKind::serving ? RunKind::serving : RunKind::training;
}

MeasuredRuns parse_measured_runs(const std::string& text, const std::string& path) {
  MeasuredRuns runs;
  runs.path = path;
  std::map<std::string, std::size_t> line_of_id;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = std::string_view(text).substr(start, end - start);
    ++number;
    start = end + 1;
    if (is_blank(line)) continue;
    MeasuredRow row = read_row(parse_row_json(line, path, number), path, number);
    const auto [seen, fresh] = line_of_id.emplace(row.id, number);
    if (!fresh) {
      core::throw_at(path + ":" + std::to_string(number), "$.id",
                     "'" + row.id + "' is already the id of line " + std::to_string(seen->second));
    }
    runs.rows.push_back(std::move(row));
  }
  if (runs.rows.empty()) throw core::InputError(path + ": no measured runs (the file has no non-blank lines)");
  return runs;
}

MeasuredRuns read_measured_runs(const std::string& path) {
  return parse_measured_runs(core::read_text_file(path), path);
}

}  // namespace lcperf::studies

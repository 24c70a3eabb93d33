// The measured-runs reader of `lcperf compare`: good rows in every accepted spelling,
// and every kind of bad row refused with the file, the line and the field.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "studies/measured_runs.hpp"
#include "tests/support/cli_test_support.hpp"
#include "tests/support/scenario_option_names.hpp"

namespace lcperf::studies {
namespace {

using cli::testing::ScratchDir;
using cli::testing::valid_scenario;
using cli::testing::write_file;

// A folder with base.json (a small valid training scenario) beside the runs file.
struct RunsFolder {
  ScratchDir dir;
  std::string runs_path;
  RunsFolder() : runs_path((dir / "runs.jsonl").string()) { write_file(dir / "base.json", valid_scenario().dump()); }
};

// The message of the InputError that parsing `text` throws ("" when it parses).
std::string error_of(const RunsFolder& folder, const std::string& text) {
  try {
    parse_measured_runs(text, folder.runs_path);
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "";
}

const char* kGoodRow =
    R"({"id": "a", "source": "paper", "scenario": "base.json", "measured": {"iteration_time_s": 2.5}})";

TEST(MeasuredRuns, ReadsAFileScenarioWithListOverrides) {
  const RunsFolder folder;
  const MeasuredRuns runs = parse_measured_runs(
      R"({"id": "a", "source": "paper, table 3", "scenario": "base.json", "set": ["parallel.dp=1", "parallel.num_micro_batches=8"], "measured": {"iteration_time_s": 2.5, "mfu": {"value": 41.5, "unit": "%"}}, "note": "n"})",
      folder.runs_path);
  ASSERT_EQ(runs.rows.size(), 1u);
  const MeasuredRow& row = runs.rows[0];
  EXPECT_EQ(row.id, "a");
  EXPECT_EQ(row.source, "paper, table 3");
  EXPECT_EQ(row.note, "n");
  EXPECT_EQ(row.line, 1u);
  EXPECT_EQ(row.scenario_ref, "base.json");
  EXPECT_EQ(row.kind, RunKind::training);
  EXPECT_EQ(row.scenario.parallel.dp, 1);
  EXPECT_EQ(row.scenario.parallel.num_micro_batches, 8);
  EXPECT_EQ(row.overrides, (std::vector<std::string>{"parallel.dp=1", "parallel.num_micro_batches=8"}));
  ASSERT_EQ(row.measured.size(), 2u);
  EXPECT_EQ(row.measured[0].metric, MeasuredMetric::iteration_time_s);
  EXPECT_DOUBLE_EQ(row.measured[0].value, 2.5);
  EXPECT_EQ(row.measured[1].metric, MeasuredMetric::mfu);
  EXPECT_DOUBLE_EQ(row.measured[1].value, 0.415);  // percent converted to a ratio
}

TEST(MeasuredRuns, ReadsAnInlineScenarioWithObjectOverridesAndSkipsBlankLines) {
  const RunsFolder folder;
  nlohmann::json row = {{"id", "b"}, {"source", "s"}, {"scenario", valid_scenario()},
                        {"set", {{"parallel.pp", 1}, {"strategy.schedule", "gpipe"}}},
                        {"measured", {{"iteration_time_s", {{"value", 1500}, {"unit", "ms"}}},
                                      {"peak_memory_bytes", {{"value", 40}, {"unit", "GiB"}}}}}};
  const MeasuredRuns runs = parse_measured_runs(std::string("\n") + kGoodRow + "\n  \n" + row.dump() + "\n",
                                                folder.runs_path);
  ASSERT_EQ(runs.rows.size(), 2u);
  const MeasuredRow& inline_row = runs.rows[1];
  EXPECT_EQ(runs.rows[0].line, 2u);
  EXPECT_EQ(inline_row.line, 4u);
  EXPECT_EQ(inline_row.scenario_ref, "inline");
  EXPECT_EQ(inline_row.scenario.parallel.pp, 1);
  EXPECT_EQ(inline_row.scenario.strategy.schedule, "gpipe");
  EXPECT_DOUBLE_EQ(inline_row.measured[0].value, 1.5);
  EXPECT_DOUBLE_EQ(inline_row.measured[1].value, 40.0 * 1024 * 1024 * 1024);
}

TEST(MeasuredRuns, RowsOfTheSameRunShareARunKey) {
  const RunsFolder folder;
  const std::string twin = R"({"id": "twin", "source": "other release", "scenario": "base.json", "measured": {"tokens_per_s": 9000}})";
  const std::string other = R"({"id": "c", "source": "s", "scenario": "base.json", "set": ["parallel.dp=1"], "measured": {"tokens_per_s": 9000}})";
  const MeasuredRuns runs = parse_measured_runs(std::string(kGoodRow) + "\n" + twin + "\n" + other, folder.runs_path);
  EXPECT_EQ(runs.rows[0].run_key, runs.rows[1].run_key);
  EXPECT_NE(runs.rows[0].run_key, runs.rows[2].run_key);
}

struct BadRow {
  const char* name;
  std::string line;     // the second line of the file (the first is good)
  const char* expected;  // after "runs.jsonl:2"
};

// gtest names a failing case by its parameter: the case's name, not its bytes.
void PrintTo(const BadRow& row, std::ostream* out) { *out << row.name; }

class MeasuredRunsRefuses : public ::testing::TestWithParam<BadRow> {};

TEST_P(MeasuredRunsRefuses, NamingTheFileTheLineAndTheField) {
  const RunsFolder folder;
  const BadRow& bad = GetParam();
  const std::string message = error_of(folder, std::string(kGoodRow) + "\n" + bad.line + "\n");
  EXPECT_EQ(message.rfind(folder.runs_path + ":2" + bad.expected, 0), 0u) << message;
}

const std::string kScenario = R"("scenario": "base.json")";

INSTANTIATE_TEST_SUITE_P(
    BadRows, MeasuredRunsRefuses,
    ::testing::Values(
        BadRow{"MalformedJson", R"({"id": "x",, })", ":12: malformed JSON"},
        BadRow{"NotAnObject", "[1, 2]", ": expected a JSON object per line"},
        BadRow{"MissingSource", R"({"id": "x", )" + kScenario + R"(, "measured": {"iteration_time_s": 1}})",
               ": $: missing required key 'source'"},
        BadRow{"MissingMeasured", R"({"id": "x", "source": "s", )" + kScenario + "}", ": $: missing required key 'measured'"},
        BadRow{"EmptyMeasured", R"({"id": "x", "source": "s", )" + kScenario + R"(, "measured": {}})",
               ": $.measured: no measured metric"},
        BadRow{"UnknownKey", R"({"id": "x", "source": "s", "sorce": 1, )" + kScenario + R"(, "measured": {"iteration_time_s": 1}})",
               ": unknown key 'sorce' at $"},
        BadRow{"UnknownMetric", R"({"id": "x", "source": "s", )" + kScenario + R"(, "measured": {"iteration_time": 1}})",
               ": unknown key 'iteration_time' at $.measured"},
        BadRow{"BadUnit", R"({"id": "x", "source": "s", )" + kScenario +
                              R"(, "measured": {"iteration_time_s": {"value": 1, "unit": "tokens/s"}}})",
               ": $.measured.iteration_time_s.unit: 'tokens/s' is not a unit of iteration_time_s"},
        BadRow{"NonPositiveValue", R"({"id": "x", "source": "s", )" + kScenario + R"(, "measured": {"iteration_time_s": 0}})",
               ": $.measured.iteration_time_s: must be positive"},
        BadRow{"ValueOfTheWrongType", R"({"id": "x", "source": "s", )" + kScenario + R"(, "measured": {"mfu": "40%"}})",
               ": $.measured.mfu: expected a number in ratio"},
        BadRow{"ServingMetricOnATrainingRun", R"({"id": "x", "source": "s", )" + kScenario + R"(, "measured": {"ttft_p50_s": 1}})",
               ": $.measured.ttft_p50_s: a serving metric, but the scenario is a training run"},
        BadRow{"DuplicateId", R"({"id": "a", "source": "s", )" + kScenario + R"(, "measured": {"iteration_time_s": 1}})",
               ": $.id: 'a' is already the id of line 1"},
        BadRow{"MissingScenarioFile", R"({"id": "x", "source": "s", "scenario": "nope.json", "measured": {"iteration_time_s": 1}})",
               ": $.scenario: "},
        BadRow{"UnknownModelInline", R"({"id": "x", "source": "s", "scenario": {"model": "llama9", "cluster": "h200-1node", "workload": {"kind": "fixed_length", "seq_len": 4096}}, "measured": {"iteration_time_s": 1}})",
               ": $.scenario.model: unknown model id 'llama9'"},
        BadRow{"BadInlineField", R"({"id": "x", "source": "s", "scenario": {"model": "llama3-8b", "cluster": "h200-1node", "parallel": {"tp": -1}, "workload": {"kind": "fixed_length", "seq_len": 4096}}, "measured": {"iteration_time_s": 1}})",
               ": $.scenario.parallel.tp: must be"},
        BadRow{"OverrideOfAMissingKey", R"({"id": "x", "source": "s", )" + kScenario + R"(, "set": ["parallel.nope.x=1"], "measured": {"iteration_time_s": 1}})",
               ": $.set: --set 'parallel.nope.x=1'"},
        BadRow{"MalformedOverride", R"({"id": "x", "source": "s", )" + kScenario + R"(, "set": ["parallel.tp"], "measured": {"iteration_time_s": 1}})",
               ": $.set[0]: --set 'parallel.tp': expected PATH=VALUE"},
        BadRow{"OverridesOfTheWrongType", R"({"id": "x", "source": "s", )" + kScenario + R"(, "set": "parallel.tp=2", "measured": {"iteration_time_s": 1}})",
               ": $.set: expected a list"}),
    [](const ::testing::TestParamInfo<BadRow>& row) { return std::string(row.param.name); });

TEST(MeasuredRuns, AnEmptyFileIsRefused) {
  const RunsFolder folder;
  EXPECT_NE(error_of(folder, "\n\n").find("no measured runs"), std::string::npos);
}

}  // namespace
}  // namespace lcperf::studies

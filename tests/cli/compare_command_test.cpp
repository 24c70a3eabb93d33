// `lcperf compare` through the binary: the outputs of a small measured file, errors that
// are exact (a measured value equal to the simulated one gives 0, half of it +100 %), a
// serving row simulated and compared, and bad rows refused with exit 2 naming the file, line and field.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

constexpr int kBadInput = 2;

// base.json beside the runs file: the small valid scenario of the CLI tests.
fs::path write_runs(const ScratchDir& dir, const std::string& text) {
  write_file(dir / "base.json", valid_scenario().dump());
  write_file(dir / "runs.jsonl", text);
  return dir / "runs.jsonl";
}

std::string timed_row(const std::string& id, double iteration_time_s) {
  return nlohmann::json{{"id", id}, {"source", "test"}, {"scenario", "base.json"},
                        {"measured", {{"iteration_time_s", iteration_time_s}}}}
      .dump();
}

nlohmann::json compare_json(const ScratchDir& dir) { return nlohmann::json::parse(read_file(dir / "out" / "compare.json")); }

TEST(CompareCommand, WritesTheReportAndPrintsTheTable) {
  const ScratchDir dir;
  nlohmann::json inline_row = {{"id", "inline"}, {"source", "test"}, {"scenario", valid_scenario()},
                               {"set", {"parallel.pp=1", "parallel.dp=4"}},
                               {"measured", {{"tokens_per_s_per_gpu", 5000}, {"mfu", {{"value", 40}, {"unit", "%"}}}}}};
  nlohmann::json serving_row = {{"id", "serving"}, {"source", "test"},
                                {"scenario", LCPERF_SOURCE_DIR "/scenarios/serving/llama3-70b-h100-tp8-fixed.json"},
                                {"measured", {{"ttft_p50_s", {{"value", 30}, {"unit", "ms"}}}}}};
  const fs::path runs = write_runs(dir, timed_row("file", 1.0) + "\n" + inline_row.dump() + "\n" + serving_row.dump() + "\n");
  const Invocation run = run_lcperf({"compare", runs.string(), "--out", (dir / "out").string(), "--jobs", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* file : {"compare.json", "compare.md", "compare.html", "compare-iteration_time_s.svg",
                           "compare-tokens_per_s_per_gpu.svg", "compare-mfu.svg", "compare-ttft_p50_s.svg"}) {
    EXPECT_TRUE(fs::exists(dir / "out" / file)) << file;
  }
  for (const char* text : {"file", "inline", "tokens_per_s_per_gpu", "mean |error|", "ttft_p50_s"}) {
    EXPECT_NE(run.out.find(text), std::string::npos) << text << "\n" << run.out;
  }
  const nlohmann::json json = compare_json(dir);
  ASSERT_EQ(json.at("rows").size(), 3u);
  EXPECT_EQ(json.at("rows")[1].at("gpus"), 8);
  // Serving rows are simulated too: their metric joins the summary.
  EXPECT_EQ(json.at("rows")[2].at("status"), "compared");
  EXPECT_EQ(json.at("summary").size(), 4u);
  EXPECT_EQ(json.at("summary")[3].at("metric"), "ttft_p50_s");
  // The scatter draws the y = x line and one dot per compared row.
  const std::string svg = read_file(dir / "out" / "compare-iteration_time_s.svg");
  EXPECT_NE(svg.find("class=\"ideal\""), std::string::npos);
  EXPECT_NE(svg.find("<circle"), std::string::npos);
  EXPECT_NE(read_file(dir / "out" / "compare.md").find("![compare-mfu.svg](compare-mfu.svg)"), std::string::npos);
}

TEST(CompareCommand, ErrorsAreExactAgainstTheSimulatedValue) {
  const ScratchDir first;
  const fs::path probe = write_runs(first, timed_row("probe", 1.0));
  const Invocation run = run_lcperf({"compare", probe.string(), "--out", (first / "out").string(), "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  // compare.json prints the shortest text that reads back exactly.
  const double simulated = compare_json(first).at("rows")[0].at("metrics")[0].at("simulated").get<double>();

  const ScratchDir second;
  const fs::path runs = write_runs(second, timed_row("exact", simulated) + "\n" + timed_row("half", simulated / 2) +
                                               "\n" + timed_row("double", simulated * 2) + "\n");
  ASSERT_EQ(run_lcperf({"compare", runs.string(), "--out", (second / "out").string(), "-q"}).exit_code, 0);
  const nlohmann::json json = compare_json(second);
  EXPECT_EQ(json.at("rows")[0].at("metrics")[0].at("relative_error"), 0.0);
  EXPECT_EQ(json.at("rows")[1].at("metrics")[0].at("relative_error"), 1.0);
  EXPECT_EQ(json.at("rows")[2].at("metrics")[0].at("relative_error"), -0.5);
  EXPECT_DOUBLE_EQ(json.at("summary")[0].at("mean_absolute_error").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(json.at("summary")[0].at("mean_signed_error").get<double>(), 0.5 / 3);
}

struct BadRow {
  const char* name;
  std::string line;
  const char* expected;  // after "FILE:2"
};

// gtest names a failing case by its parameter: the case's name, not its bytes.
void PrintTo(const BadRow& row, std::ostream* out) { *out << row.name; }

class CompareCommandRefuses : public ::testing::TestWithParam<BadRow> {};

TEST_P(CompareCommandRefuses, WithExitTwoNamingTheFileLineAndField) {
  const ScratchDir dir;
  const fs::path runs = write_runs(dir, timed_row("good", 1.0) + "\n" + GetParam().line + "\n");
  const Invocation run = run_lcperf({"compare", runs.string(), "--out", (dir / "out").string()});
  EXPECT_EQ(run.exit_code, kBadInput) << run.err;
  EXPECT_EQ(run.err.rfind("lcperf: error: " + runs.string() + ":2" + GetParam().expected, 0), 0u) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_FALSE(fs::exists(dir / "out")) << "a refused file must write nothing";
}

INSTANTIATE_TEST_SUITE_P(
    BadRows, CompareCommandRefuses,
    ::testing::Values(
        BadRow{"MalformedJson", R"({"id": "x" "source": "s"})", ":19: malformed JSON"},
        BadRow{"MissingSource", R"({"id": "x", "scenario": "base.json", "measured": {"iteration_time_s": 1}})",
               ": $: missing required key 'source'"},
        BadRow{"BadUnit", R"({"id": "x", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": {"value": 1, "unit": "min"}}})",
               ": $.measured.iteration_time_s.unit: 'min' is not a unit of iteration_time_s (allowed: s, ms)"},
        BadRow{"UnknownMetric", R"({"id": "x", "source": "s", "scenario": "base.json", "measured": {"step_time_s": 1}})",
               ": unknown key 'step_time_s' at $.measured"},
        BadRow{"UnknownModel", R"({"id": "x", "source": "s", "scenario": "base.json", "set": {"model": "llama9"}, "measured": {"iteration_time_s": 1}})",
               ": $.scenario: "}),
    [](const ::testing::TestParamInfo<BadRow>& row) { return std::string(row.param.name); });

TEST(CompareCommand, JobsOutOfRangeIsBadInput) {
  const ScratchDir dir;
  const fs::path runs = write_runs(dir, timed_row("good", 1.0));
  const Invocation run = run_lcperf({"compare", runs.string(), "--jobs", "0"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("--jobs"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace lcperf::cli::testing

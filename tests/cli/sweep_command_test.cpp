// `lcperf sweep` through the real binary on a 12-configuration sweep of a small
// scenario: results and best.json are written, pruning never drops a configuration that
// would simulate without OOM, a rerun resumes without repeating, shards partition the
// sweep, and a malformed sweep file is bad input naming the JSON path.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exit_codes.hpp"
#include "tests/support/cli_test_support.hpp"
#include "tests/support/sweep_test_support.hpp"

namespace lcperf::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;
using testing::write_file;

using testing::write_sweep;
const char* const kSweep = testing::kSmallSweep;

std::vector<json> read_lines(const fs::path& path) {
  std::vector<json> lines;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

std::multiset<std::string> keys_of(const std::vector<json>& lines) {
  std::multiset<std::string> keys;
  for (const json& line : lines) keys.insert(line.at("config").dump());
  return keys;
}

std::vector<std::string> simulate_args(const ScratchDir& dir, const json& config, const fs::path& out) {
  std::vector<std::string> args = {"simulate", (dir / "base.json").string(), "--quiet", "--out", out.string()};
  for (const auto& item : json::parse(kSweep).at("set").items()) args.push_back("--set=" + item.key() + "=" + item.value().dump());
  for (const auto& item : config.items()) args.push_back("--set=" + item.key() + "=" + item.value().dump());
  return args;
}

TEST(SweepCommand, WritesOneLinePerSurvivorAndTheBest) {
  const ScratchDir dir;
  const testing::Invocation run = run_lcperf({"sweep", write_sweep(dir), "--out", (dir / "out").string()});
  ASSERT_EQ(run.exit_code, core::kExitSuccess) << run.err;
  EXPECT_NE(run.err.find("sweep: [1/7] "), std::string::npos) << run.err;  // plain progress lines off a TTY
  EXPECT_NE(run.err.find("configs/s"), std::string::npos) << run.err;       // the benchmark summary

  const json pruned = json::parse(read_file(dir / "out" / "pruned.json"));
  EXPECT_EQ(pruned.at("configurations"), 12);
  EXPECT_EQ(pruned.at("counts").at("tp does not divide heads"), 4);
  EXPECT_EQ(pruned.at("counts").at("memory bound exceeds HBM"), 1);
  const std::vector<json> lines = read_lines(dir / "out" / "results.jsonl");
  ASSERT_EQ(lines.size(), pruned.at("survivors").get<std::size_t>());
  ASSERT_EQ(lines.size(), 7u);
  const std::multiset<std::string> keys = keys_of(lines);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());  // each config once
  for (const json& line : lines) {
    ASSERT_TRUE(line.at("ok").get<bool>()) << line.dump();
    for (const char* metric : {"iteration_time_s", "tokens_per_s", "mfu", "peak_memory_bytes", "oom", "bubble_ratio",
                               "dp_imbalance"}) {
      EXPECT_TRUE(line.contains(metric)) << metric;
    }
    // The pruning bound is a lower bound of what the simulator tracks.
    EXPECT_LE(line.at("memory_lower_bound_bytes").get<std::int64_t>(), line.at("peak_memory_bytes").get<std::int64_t>())
        << line.dump();
  }

  const json best = json::parse(read_file(dir / "out" / "best.json"));
  ASSERT_EQ(best.at("top").size(), 3u);
  double previous = 0;
  for (const json& entry : best.at("top")) {
    EXPECT_TRUE(entry.contains("config")) << entry.dump();
    EXPECT_GE(entry.at("iteration_time_s").get<double>(), previous);
    previous = entry.at("iteration_time_s").get<double>();
  }
}

TEST(SweepCommand, PruningNeverDropsAConfigurationThatFits) {
  const ScratchDir dir;
  const testing::Invocation run = run_lcperf({"sweep", write_sweep(dir), "--out", (dir / "out").string()});
  ASSERT_EQ(run.exit_code, core::kExitSuccess) << run.err;
  const json pruned = json::parse(read_file(dir / "out" / "pruned.json"));
  int checked = 0;
  for (const json& entry : pruned.at("pruned")) {
    // One configuration per reason is enough to sample each rule.
    if (checked >= 3) break;
    const std::string reason = entry.at("reason");
    const fs::path out = dir / ("sim" + std::to_string(checked++));
    const testing::Invocation sim = run_lcperf(simulate_args(dir, entry.at("config"), out));
    if (reason == "memory bound exceeds HBM") {
      ASSERT_EQ(sim.exit_code, core::kExitSuccess) << sim.err;
      const json result = json::parse(read_file(out / "result.json"));
      EXPECT_TRUE(result.at("oom").get<bool>()) << entry.dump();
    } else {
      EXPECT_EQ(sim.exit_code, core::kExitBadInput) << entry.dump();
    }
  }
  // Both kinds were sampled: the memory-pruned configuration comes first (index 1).
  EXPECT_EQ(pruned.at("pruned").at(0).at("reason"), "memory bound exceeds HBM");
}

TEST(SweepCommand, ResumeRepeatsNothingAndLosesNothing) {
  const ScratchDir dir;
  const std::string sweep = write_sweep(dir);
  const std::string out = (dir / "out").string();
  ASSERT_EQ(run_lcperf({"sweep", sweep, "--out", out}).exit_code, core::kExitSuccess);
  const std::string full = read_file(dir / "out" / "results.jsonl");
  const std::vector<json> all = read_lines(dir / "out" / "results.jsonl");

  // A kill after three results, plus a torn fourth line from a writer that died mid-write.
  std::istringstream in(full);
  std::string kept;
  std::string line;
  for (int i = 0; i < 3 && std::getline(in, line); ++i) kept += line + "\n";
  write_file(dir / "out" / "results.jsonl", kept + "{\"index\": 9, \"con");

  const testing::Invocation rerun = run_lcperf({"sweep", sweep, "--out", out});
  ASSERT_EQ(rerun.exit_code, core::kExitSuccess) << rerun.err;
  EXPECT_NE(rerun.err.find("3 already in results.jsonl, 4 to simulate"), std::string::npos) << rerun.err;
  const std::string resumed = read_file(dir / "out" / "results.jsonl");
  EXPECT_EQ(resumed.rfind(kept, 0), 0u);  // earlier lines untouched
  EXPECT_EQ(keys_of(read_lines(dir / "out" / "results.jsonl")), keys_of(all));

  // A third run finds everything done.
  const testing::Invocation again = run_lcperf({"sweep", sweep, "--out", out});
  ASSERT_EQ(again.exit_code, core::kExitSuccess) << again.err;
  EXPECT_NE(again.err.find("0 to simulate"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(dir / "out" / "results.jsonl"), resumed);
}

TEST(SweepCommand, ShardsPartitionTheSweep) {
  const ScratchDir dir;
  const std::string sweep = write_sweep(dir);
  ASSERT_EQ(run_lcperf({"sweep", sweep, "--out", (dir / "all").string()}).exit_code, core::kExitSuccess);
  ASSERT_EQ(run_lcperf({"sweep", sweep, "--out", (dir / "s0").string(), "--shard", "0/2"}).exit_code, core::kExitSuccess);
  ASSERT_EQ(run_lcperf({"sweep", sweep, "--out", (dir / "s1").string(), "--shard", "1/2"}).exit_code, core::kExitSuccess);
  std::multiset<std::string> sharded = keys_of(read_lines(dir / "s0" / "results.jsonl"));
  const std::multiset<std::string> second = keys_of(read_lines(dir / "s1" / "results.jsonl"));
  EXPECT_FALSE(sharded.empty());
  EXPECT_FALSE(second.empty());
  sharded.insert(second.begin(), second.end());
  EXPECT_EQ(sharded, keys_of(read_lines(dir / "all" / "results.jsonl")));
  for (const char* shard : {"s0", "s1"}) {
    for (const json& line : read_lines(dir / shard / "results.jsonl")) {
      EXPECT_EQ(line.at("index").get<int>() % 2, shard[1] - '0') << line.dump();
    }
  }
  EXPECT_EQ(run_lcperf({"sweep", sweep, "--out", (dir / "x").string(), "--shard", "2/2"}).exit_code, core::kExitBadInput);
}

TEST(SweepCommand, MalformedSweepIsBadInputWithThePath) {
  const ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"base": "base.json", "axes": {"parallel.tp": [1]}, "topp": 3})", "unknown key 'topp' at $"},
      {R"({"base": "base.json", "axes": {"parallel.tp": {"range": [1, 8], "step": "y2"}}})",
       R"($.axes["parallel.tp"].step)"},
      {R"({"base": "base.json", "axes": {"parallel.tp": []}})", R"($.axes["parallel.tp"])"},
      {R"({"base": "base.json", "axes": {"parallel.tp": [1]}, "objective": {"maximize": "speed"}})",
       "$.objective.maximize"},
      {R"({"base": "base.json", "axes": {"parallel.dp": "auto"}})", "needs an exact GPU count"},
      {R"({"base": "base.json", "axes": {"paralel.tp": [1, 2]}})", "paralel"},
      {R"({"base": "base.json", "axes": {"parallel.tp": [1]},)", "malformed JSON"},
  };
  for (const auto& [text, expected] : cases) {
    const testing::Invocation run =
        run_lcperf({"sweep", write_sweep(dir, text), "--out", (dir / "out").string()});
    EXPECT_EQ(run.exit_code, core::kExitBadInput) << text;
    EXPECT_NE(run.err.find(expected), std::string::npos) << text << "\n" << run.err;
    EXPECT_NE(run.err.find("sweep.json"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace lcperf::cli

namespace lcperf::cli {
namespace {

// The README's main job: the shipped sweep runs end to end, prints the comparison and
// names the best of each strategy; at 32K on the long-tail mix ChunkFlow's best beats
// Megatron's best (the paper's claim, and what the model predicts).
TEST(SweepCommand, MainJobSweepComparesTheStrategies) {
  const ScratchDir dir;
  const testing::Invocation run = run_lcperf(
      {"sweep", LCPERF_SOURCE_DIR "/sweeps/main-qwen2.5-7b-32k-8gpu.json", "--jobs", "2", "--out", (dir / "m").string()});
  ASSERT_EQ(run.exit_code, core::kExitSuccess) << run.err;
  EXPECT_NE(run.out.find("best configurations by max tokens_per_s"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("best per strategy.name"), std::string::npos) << run.out;
  const json best = json::parse(read_file(dir / "m" / "best.json"));
  const json& by_strategy = best.at("best_by").at("strategy.name");
  ASSERT_TRUE(by_strategy.contains("megatron")) << best.dump();
  ASSERT_TRUE(by_strategy.contains("chunkflow")) << best.dump();
  EXPECT_GT(by_strategy.at("chunkflow").at("tokens_per_s").get<double>(),
            by_strategy.at("megatron").at("tokens_per_s").get<double>());
  // The overall best is the best of its own strategy.
  const json& top = best.at("top").at(0);
  const std::string winner = top.at("config").at("strategy.name");
  EXPECT_EQ(by_strategy.at(winner).at("config"), top.at("config"));
  // The table has a header with units, the marker column, and "—" for the ChunkFlow
  // parameters of Megatron rows (the best Megatron configuration is in its own table).
  for (const char* column : {"est./sim.", "iter (s)", "tokens/s", "MFU (%)", "peak mem (GiB)", "chunk_size"}) {
    EXPECT_NE(run.out.find(column), std::string::npos) << column << "\n" << run.out;
  }
  std::istringstream lines(run.out);
  bool megatron_row = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("sim.") == std::string::npos || line.find(" megatron ") == std::string::npos) continue;
    megatron_row = true;
    EXPECT_NE(line.find("—"), std::string::npos) << line;
  }
  EXPECT_TRUE(megatron_row) << run.out;
}

// The two tiers pick the configuration a simulation of every survivor picks, and the
// estimate lands within 2 % of every simulation of the small sweep (on the shipped 72B
// sweep it is within 0.3 %, sweeps/README.md).
TEST(SweepCommand, TwoTiersPickTheBestTheFullSimulationPicks) {
  const ScratchDir dir;
  std::string all = kSweep;
  all.replace(all.find("\"top\": 3"), 8, R"("top": 3, "simulate": "all")");
  std::string tiers = kSweep;
  tiers.replace(tiers.find("\"top\": 3"), 8, R"("top": 3, "simulate": {"top": 1, "sample": 1})");
  const testing::Invocation full = run_lcperf({"sweep", write_sweep(dir, all), "--out", (dir / "all").string()});
  ASSERT_EQ(full.exit_code, core::kExitSuccess) << full.err;
  const testing::Invocation two = run_lcperf({"sweep", write_sweep(dir, tiers), "--out", (dir / "two").string()});
  ASSERT_EQ(two.exit_code, core::kExitSuccess) << two.err;

  const json best_all = json::parse(read_file(dir / "all" / "best.json"));
  const json best_two = json::parse(read_file(dir / "two" / "best.json"));
  EXPECT_EQ(best_two.at("top").at(0).at("config"), best_all.at("top").at(0).at("config"));
  EXPECT_EQ(best_two.at("top").at(0).at("source"), "simulated");
  EXPECT_EQ(best_two.at("top").at(0).at("iteration_time_s"), best_all.at("top").at(0).at("iteration_time_s"));

  // Every survivor has one line either way; the two-tier run marks the ones it estimated.
  const std::vector<json> all_lines = read_lines(dir / "all" / "results.jsonl");
  const std::vector<json> two_lines = read_lines(dir / "two" / "results.jsonl");
  EXPECT_EQ(keys_of(two_lines), keys_of(all_lines));
  std::size_t estimated = 0;
  for (const json& line : two_lines) estimated += line.at("source") == "estimated" ? 1 : 0;
  EXPECT_GT(estimated, 0u);
  EXPECT_LT(estimated, two_lines.size());
  EXPECT_NE(two.out.find("est."), std::string::npos) << two.out;

  // The agreement over every simulated survivor, as printed and in best.json.
  const json& agreement = best_all.at("estimate_agreement");
  std::size_t ranked = 0;
  for (const json& line : all_lines) ranked += line.at("ok") && !line.at("oom") ? 1 : 0;
  EXPECT_EQ(agreement.at("compared").get<std::size_t>(), ranked);
  EXPECT_LT(agreement.at("worst_relative_error").get<double>(), 0.02) << agreement.dump();
  for (const json& line : all_lines) {
    if (!line.at("ok") || line.at("oom")) continue;
    const double estimated_time = line.at("estimate").at("iteration_time_s");
    EXPECT_NEAR(estimated_time / line.at("iteration_time_s").get<double>(), 1.0, 0.02) << line.dump();
  }
  EXPECT_NE(full.err.find("estimate vs simulation"), std::string::npos) << full.err;
}

}  // namespace
}  // namespace lcperf::cli

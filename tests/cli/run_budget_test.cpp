// A run cannot hang or exhaust memory (docs/contract.md, "Simulation budget"): each
// input that used to hang or die of bad_alloc now ends at once, with exit 2 and a
// message naming the rule when the input makes the run endless or too large, and a
// run the budget stops writes its outputs marked partial and exits 1.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::run_lcperf;
using testing::ScratchDir;

const std::string kDistKv = LCPERF_SOURCE_DIR "/scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json";
const std::string kServing = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";

testing::Invocation simulate(const ScratchDir& dir, const std::string& scenario, const std::vector<std::string>& sets,
                             const std::vector<std::string>& extra = {}) {
  return testing::run_scenario("simulate", scenario, dir / "out", sets, extra);
}

void expect_bad_input(const testing::Invocation& run, const std::vector<std::string>& words) {
  EXPECT_EQ(run.exit_code, 2) << run.err;
  for (const std::string& w : words) EXPECT_NE(run.err.find(w), std::string::npos) << "no '" << w << "' in: " << run.err;
}

// ---- the hangs of the hostile run ------------------------------------------------

TEST(RunBudget, DistKvReclaimPeriodBelowTheFloorIsBadInput) {
  const ScratchDir dir;
  // The loader's range rule (scenarios/README.md, "Ranges") refuses it before the DistKV
  // configuration's own floor is reached.
  expect_bad_input(simulate(dir, kDistKv, {"serving.distkv.reclaim_period_s=1e-9"}),
                   {"$.serving.distkv.reclaim_period_s", "must be at least 0.0001"});
}

TEST(RunBudget, LongRequestsArrivingPastTheHorizonAreBadInput) {
  const ScratchDir dir;
  // The loader's range rule (at most 1e7 s) refuses it before the arrival horizon (1e8 s)
  // is reached; a trace past the horizon is the next test.
  expect_bad_input(simulate(dir, kDistKv, {"workload.long_requests.arrival_window_s=2147483648"}),
                   {"$.workload.long_requests.arrival_window_s", "must be at most"});
}

TEST(RunBudget, TraceRowsFarApartAreBadInputWithDistKv) {
  const ScratchDir dir;
  // Mooncake timestamps are milliseconds: 1e15 ms is about 31,700 years.
  testing::write_file(dir / "late.jsonl",
                      "{\"timestamp\": 0, \"input_length\": 512, \"output_length\": 8}\n"
                      "{\"timestamp\": 1e15, \"input_length\": 512, \"output_length\": 8}\n");
  expect_bad_input(run_lcperf({"replay", kDistKv, "--trace", (dir / "late.jsonl").string(), "--quiet", "--out",
                               (dir / "out").string()}),
                   {"late.jsonl", "beyond the simulation horizon"});
}

TEST(RunBudget, AzureRowsThousandsOfYearsApartAreBadInput) {
  const ScratchDir dir;
  testing::write_file(dir / "far.csv",
                      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                      "2023-11-16 18:15:46.0,374,44\n"
                      "5023-11-16 18:15:46.0,396,109\n");
  expect_bad_input(run_lcperf({"replay", kDistKv, "--trace", (dir / "far.csv").string(), "--quiet", "--out",
                               (dir / "out").string()}),
                   {"beyond the simulation horizon"});
}

TEST(RunBudget, BurstGptTimesOf1e300SecondsAreBadInput) {
  const ScratchDir dir;
  testing::write_file(dir / "burst.csv",
                      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                      "0,ChatGPT,100,20,120,Conversation log\n"
                      "1e300,ChatGPT,100,20,120,Conversation log\n");
  expect_bad_input(run_lcperf({"replay", kDistKv, "--trace", (dir / "burst.csv").string(), "--format", "burstgpt",
                               "--quiet", "--out", (dir / "out").string()}),
                   {"beyond the simulation horizon"});
}

// Arrivals stretched a million-fold (days apart) stay inside the horizon: the DistKV
// controllers park while idle, so the run costs no more events than the compact one
// plus a few heartbeats per request, and gives the same completions.
TEST(RunBudget, DistKvArrivalsDaysApartRunWithoutSteppingThroughIdleTime) {
  const ScratchDir dir;
  const testing::Invocation compact = simulate(dir, kDistKv, {"workload.max_requests=4"});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  const nlohmann::json a = nlohmann::json::parse(testing::read_file(dir / "out" / "result.json"));
  const testing::Invocation stretched = simulate(dir, kDistKv, {"workload.max_requests=4", "workload.time_scale=1e6"});
  ASSERT_EQ(stretched.exit_code, 0) << stretched.err;
  const nlohmann::json b = nlohmann::json::parse(testing::read_file(dir / "out" / "result.json"));
  EXPECT_EQ(b.at("completed"), a.at("completed"));
  EXPECT_GT(b.at("simulated_time_s").get<double>(), 1e5);  // days of simulated time
  // A heartbeat and a reclaim look per 10 ms period would be tens of millions of events.
  EXPECT_LT(b.at("events_simulated").get<double>(), 2.0 * a.at("events_simulated").get<double>() + 1000);
  EXPECT_EQ(b.at("partial"), false);
}

// The whole Azure trace (19,366 requests) with DistKV: about 2e7 events, refused by
// the default budget (1e7) at once instead of running for an hour.
TEST(RunBudget, DistKvOverTheWholeTraceIsRefusedBySize) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, kDistKv, {"workload.max_requests=0"}),
                   {"too large to simulate", "sim.max_events = 1e+07"});
}

// One-token batches and blocks, and a long request that grows by generation, are long
// runs, not endless ones (tens of seconds now that a reclaim look with nothing to move
// costs nothing): the size estimate sees them, so a budget answers at once.
TEST(RunBudget, OneTokenBatchesAndBlocksAreSeenByTheSizeEstimate) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, kDistKv,
                            {"serving.max_num_batched_tokens=1", "serving.block_size_tokens=1", "sim.max_events=1e5"}),
                   {"too large to simulate", "events"});
  // The same budget admits the scenario as shipped.
  const testing::Invocation shipped = simulate(dir, kDistKv, {"workload.max_requests=4", "sim.max_events=1e5"});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.err;
}

TEST(RunBudget, LongRequestsGrowingByGenerationAreSeenByTheSizeEstimate) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, kDistKv, {"workload.long_requests.generation_share=0.5", "sim.max_events=1e5"}),
                   {"too large to simulate"});
}

TEST(RunBudget, TrainingWith65537MicroBatchesIsRefusedBySize) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, testing::smoke_scenario(), {"parallel.num_micro_batches=65537"}),
                   {"too large to simulate", "events", "sim.max_events"});
}

TEST(RunBudget, HundredThousandGpuTrainingIsRefusedBySize) {
  const ScratchDir dir;
  // 12,500 nodes of 8 GPUs: tp 8 x pp 4 x dp 3125 = 100,000 GPUs.
  expect_bad_input(simulate(dir, testing::smoke_scenario(),
                            {"cluster.nodes=12500", "parallel.tp=8", "parallel.pp=4", "parallel.dp=3125"}),
                   {"too large to simulate", "simulated actors"});
}

TEST(RunBudget, TwoMillionGpuTrainingIsRefusedBySize) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, testing::smoke_scenario(),
                            {"cluster.nodes=262144", "parallel.tp=8", "parallel.pp=4", "parallel.dp=65536"}),
                   {"too large to simulate"});
}

TEST(RunBudget, SixtyFiveThousandServingInstancesAreRefusedBySize) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, kServing, {"cluster.nodes=32768", "serving.instances=65536"}),
                   {"too large to simulate", "GiB"});
}

// --max-memory is the memory budget: a small one refuses the smoke scenario, naming it.
TEST(RunBudget, MaxMemoryRefusesWhatItCannotHold) {
  const ScratchDir dir;
  expect_bad_input(simulate(dir, testing::smoke_scenario(), {}, {"--max-memory", "0.001"}),
                   {"too large to simulate", "sim.max_memory_gib = 0.001", "--max-memory"});
}

// ---- the run budget -------------------------------------------------------------

// Past sim.max_events the run stops, its outputs are written and marked partial, and
// the command exits 1 naming the budget. The estimate of this chunked scenario counts
// micro-batches, not the chunks' messages (110 against 270 real events), so a budget
// of 150 admits it and the run reaches it.
TEST(RunBudget, ARunPastItsEventBudgetWritesPartialOutputsAndExitsOne) {
  const ScratchDir dir;
  const std::string scenario = LCPERF_SOURCE_DIR "/scenarios/live/tiny-256-chunkflow-pp2-dp2.json";
  const testing::Invocation run = simulate(dir, scenario, {"sim.max_events=150"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("sim.max_events"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("partial"), std::string::npos) << run.err;
  const nlohmann::json result = nlohmann::json::parse(testing::read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result.at("partial"), true);
  EXPECT_NE(result.at("partial_reason").get<std::string>().find("150 events"), std::string::npos);
  EXPECT_LE(result.at("events_simulated").get<double>(), 151.0);
}

// --timeout sets sim.max_wall_s; its clock is first read at the first event, so a
// timeout far below any run's duration stops the run there.
TEST(RunBudget, TimeoutStopsTheRunWithPartialOutputs) {
  const ScratchDir dir;
  const testing::Invocation run =
      simulate(dir, testing::smoke_scenario(), {}, {"--timeout", "1e-9"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("wall time"), std::string::npos) << run.err;
  const nlohmann::json result = nlohmann::json::parse(testing::read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result.at("partial"), true);
}

TEST(RunBudget, AWholeRunSaysItIsNotPartial) {
  const ScratchDir dir;
  const testing::Invocation run = simulate(dir, testing::smoke_scenario(), {});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(testing::read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result.at("partial"), false);
  EXPECT_FALSE(result.contains("partial_reason"));
}

}  // namespace
}  // namespace lcperf::cli

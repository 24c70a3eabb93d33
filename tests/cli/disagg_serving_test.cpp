// Disaggregated prefill and decode end to end through `lcperf simulate` on the shipped
// scenario (Llama-3-70B, Mooncake conversation trace): result.json's books balance
// against the trace read directly (KV bytes = the prompts' KV), the run is
// deterministic, and impossible pools are bad input (exit 2, the JSON path named).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::run_lcperf;
using testing::ScratchDir;

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/serving/llama3-70b-h100-disagg-mooncake.json";
constexpr int kRequests = 40;

nlohmann::json simulate(const ScratchDir& dir, const std::string& name, std::vector<std::string> sets = {}) {
  sets.insert(sets.begin(), "workload.max_requests=" + std::to_string(kRequests));
  const testing::Invocation run = testing::run_scenario("simulate", kScenario, dir / name, sets);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(testing::read_file(dir / name / "result.json"));
}

// The first requests of the trace, read here without lcperf's reader.
struct TraceHead {
  std::int64_t outputs = 0;
  std::int64_t decoded = 0;        // requests with more than one output token
  std::int64_t decoded_prompt = 0;  // their prompt tokens
};

TraceHead trace_head(int count) {
  std::ifstream in(LCPERF_SOURCE_DIR "/traces/data/serving/mooncake-conversation.jsonl");
  TraceHead h;
  std::string line;
  for (int i = 0; i < count && std::getline(in, line); ++i) {
    const nlohmann::json r = nlohmann::json::parse(line);
    const std::int64_t output = r.at("output_length").get<std::int64_t>();
    h.outputs += output;
    if (output <= 1) continue;
    h.decoded += 1;
    h.decoded_prompt += r.at("input_length").get<std::int64_t>();
  }
  return h;
}

TEST(DisaggServing, TheBooksBalanceAgainstTheTrace) {
  const ScratchDir dir;
  const nlohmann::json r = simulate(dir, "whole");
  const TraceHead trace = trace_head(kRequests);
  ASSERT_EQ(r.at("completed"), kRequests);
  EXPECT_EQ(r.at("rejected"), 0);
  EXPECT_NEAR(r.at("output_tokens_per_s").get<double>() * r.at("duration_s").get<double>(),
              static_cast<double>(trace.outputs), 1e-6 * static_cast<double>(trace.outputs));
  const nlohmann::json& d = r.at("disaggregation");
  // Llama-3-70B: 80 layers x 8 KV heads x 128 x (K, V) x 2 bytes per token.
  EXPECT_EQ(d.at("kv_transfer").at("kv_bytes_per_token"), 327680);
  EXPECT_EQ(d.at("kv_transfer").at("requests"), trace.decoded);
  EXPECT_EQ(d.at("kv_transfer").at("bytes").get<std::int64_t>(), trace.decoded_prompt * 327680);
  for (const char* pool : {"prefill", "decode"}) {
    const nlohmann::json& p = d.at(pool);
    EXPECT_GT(p.at("kv_blocks_allocated").get<std::int64_t>(), 0) << pool;
    EXPECT_EQ(p.at("kv_blocks_allocated"), p.at("kv_blocks_freed")) << pool;
    EXPECT_GT(p.at("peak_kv_bytes").get<std::int64_t>(), 0) << pool;
    EXPECT_GT(p.at("peak_memory_bytes").get<std::int64_t>(), p.at("peak_kv_bytes").get<std::int64_t>()) << pool;
  }
  // A transfer of a few GB over a node's eight 50 GB/s NICs: milliseconds, not zero.
  EXPECT_GT(d.at("kv_transfer").at("transfer_s").at("p50").get<double>(), 1e-3);
  EXPECT_LT(d.at("kv_transfer").at("transfer_s").at("p50").get<double>(), 1.0);
}

TEST(DisaggServing, LayerwiseTransferShortensTheTransferAfterThePrefill) {
  const ScratchDir dir;
  const nlohmann::json whole = simulate(dir, "whole");
  const nlohmann::json layerwise = simulate(dir, "layerwise", {"serving.disaggregation.transfer=layerwise"});
  EXPECT_EQ(layerwise.at("disaggregation").at("kv_transfer").at("bytes"),
            whole.at("disaggregation").at("kv_transfer").at("bytes"));
  EXPECT_LT(layerwise.at("ttft_s").at("mean").get<double>(), whole.at("ttft_s").at("mean").get<double>());
}

TEST(DisaggServing, ARunIsDeterministic) {
  const ScratchDir dir;
  nlohmann::json a = simulate(dir, "a", {"serving.disaggregation.decode_policy=round_robin", "cluster.nodes=3",
                                         "serving.disaggregation.decode.instances=2"});
  nlohmann::json b = simulate(dir, "b", {"serving.disaggregation.decode_policy=round_robin", "cluster.nodes=3",
                                         "serving.disaggregation.decode.instances=2"});
  a.erase("wall_time_s");
  b.erase("wall_time_s");
  EXPECT_EQ(a, b);
}

TEST(DisaggServing, ImpossiblePoolsAreBadInput) {
  const ScratchDir dir;
  struct Case {
    std::vector<std::string> sets;
    std::string path;
  };
  const std::vector<Case> cases = {
      {{"serving.disaggregation.prefill.instances=2"}, "$.serving.disaggregation"},  // 24 GPUs on 16
      {{"serving.disaggregation.decode.tp=3"}, "$.serving.disaggregation.decode.tp"},
      {{"serving.disaggregation.prefill.pp=2"}, "$.serving.disaggregation.prefill.pp"},
      {{"serving.disaggregation.decode_policy=fastest"}, "decode_policy"},
      {{"serving.disaggregation.transfer=pipelined"}, "transfer"},
      // 1 % of the HBM the weights leave: about 15,000 tokens of KV per decode instance.
      {{"serving.kv_memory_fraction=0.01"}, "$.serving.disaggregation.decode"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"simulate", kScenario, "--out", (dir / "x").string()};
    for (const std::string& s : c.sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    const testing::Invocation run = run_lcperf(args);
    EXPECT_EQ(run.exit_code, 2) << c.sets.front() << "\n" << run.err;
    EXPECT_NE(run.err.find(c.path), std::string::npos) << c.sets.front() << "\n" << run.err;
  }
}

}  // namespace
}  // namespace lcperf::cli

// Serving-stack profiles (cost_models/stacks/): every shipped one loads with its
// documented mechanisms, "ideal" takes no host time, and bad files are refused naming
// the file, the JSON path and the rule.
#include "cost_models/stack_profile.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"

namespace lcperf::cost {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_stack_profile(text, "bad.json");
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

std::string profile(const std::string& extra_key = "", const std::string& attention = R"("flash", "time_factor": 1.0)") {
  auto item = [](const std::string& v) { return R"({"value": )" + v + R"(, "source": "x"})"; };
  return R"({"format_version": 1, "stack": "t", "step_s": )" + item("0.001") +
         R"(, "schedule_per_seq_s": )" + item("0") + R"(, "prepare_per_seq_s": )" + item("0") +
         R"(, "prepare_per_token_s": )" + item("0") + R"(, "sample_per_seq_s": )" + item("0") +
         R"(, "output_per_seq_s": )" + item("0") + R"(, "kernel_launch_s": )" + item("1e-5") +
         R"(, "graph_launch_s": )" + item("0") + R"(, "launch": )" + item(R"("eager")") +
         R"(, "async_host": )" + item("true") + R"(, "prefill_attention": {"value": )" + attention +
         R"(, "source": "x"})" + extra_key + "}";
}

TEST(StackProfile, ShippedProfilesLoadWithTheirMechanisms) {
  const core::ServingStack eager = load_stack_profile("vllm-eager");
  EXPECT_EQ(eager.launch, core::KernelLaunch::eager);
  EXPECT_GT(eager.kernel_launch_s, 0);
  const core::ServingStack graphs = load_stack_profile("vllm-cudagraph");
  EXPECT_EQ(graphs.launch, core::KernelLaunch::graph_decode);
  EXPECT_GT(graphs.graph_launch_s, 0);
  const core::ServingStack cpp = load_stack_profile("cpp-engine");
  EXPECT_LT(cpp.kernel_launch_s, eager.kernel_launch_s);  // C++ launches cost less than Python's
  EXPECT_LT(cpp.step_s, graphs.step_s);
  const core::ServingStack legacy = load_stack_profile("vllm-legacy-xformers");
  EXPECT_EQ(legacy.prefill_attention, core::PrefillAttentionKernel::xformers);
  EXPECT_GT(legacy.prefill_attention_time_factor, 1.0);
  for (const std::string& id : available_stack_profiles()) EXPECT_EQ(load_stack_profile(id).id, id);
}

TEST(StackProfile, IdealTakesNoHostTime) {
  const core::ServingStack ideal = load_stack_profile("ideal");
  EXPECT_FALSE(ideal.takes_host_time());
  EXPECT_EQ(ideal.prefill_attention_time_factor, 1.0);
}

TEST(StackProfile, ParsesAWellFormedFile) {
  const core::ServingStack s = parse_stack_profile(profile(), "ok.json");
  EXPECT_EQ(s.id, "t");
  EXPECT_DOUBLE_EQ(s.step_s, 0.001);
  EXPECT_DOUBLE_EQ(s.kernel_launch_s, 1e-5);
  EXPECT_TRUE(s.async_host);
}

TEST(StackProfile, RequestCostsAndTheCustomAllReduceAreOptionalAndReadWhenGiven) {
  const core::ServingStack absent = parse_stack_profile(profile(), "ok.json");
  EXPECT_EQ(absent.request_s, 0.0);
  EXPECT_EQ(absent.request_per_prompt_token_s, 0.0);
  EXPECT_EQ(absent.custom_all_reduce_latency_s, 0.0);
  const core::ServingStack given = parse_stack_profile(
      profile(R"(, "request_s": {"value": 0.002, "source": "x"}, "request_per_prompt_token_s": {"value": 1e-6, "source": "x"},)"
              R"( "custom_all_reduce_latency_s": {"value": 4e-6, "source": "x"})"),
      "ok.json");
  EXPECT_DOUBLE_EQ(given.request_s, 0.002);
  EXPECT_DOUBLE_EQ(given.custom_all_reduce_latency_s, 4e-6);
  EXPECT_DOUBLE_EQ(given.request_overhead_s(1000), 0.002 + 1000 * 1e-6);
  const std::string negative = error_of(profile(R"(, "request_s": {"value": -1, "source": "x"})"));
  EXPECT_NE(negative.find("$.request_s.value"), std::string::npos) << negative;
  const std::string unsourced = error_of(profile(R"(, "custom_all_reduce_latency_s": {"value": 1e-6, "source": ""})"));
  EXPECT_NE(unsourced.find("$.custom_all_reduce_latency_s.source"), std::string::npos) << unsourced;
}

TEST(StackProfile, DecodeAttentionSharesKvUnlessTheProfileSaysOtherwise) {
  EXPECT_TRUE(parse_stack_profile(profile(), "ok.json").decode_attention_shares_kv);
  EXPECT_FALSE(load_stack_profile("cpp-engine").decode_attention_shares_kv);  // TensorRT-LLM before XQA
  EXPECT_TRUE(load_stack_profile("nim-trtllm").decode_attention_shares_kv);
  const core::ServingStack given =
      parse_stack_profile(profile(R"(, "decode_attention_shares_kv": {"value": false, "source": "x"})"), "ok.json");
  EXPECT_FALSE(given.decode_attention_shares_kv);
  const std::string not_bool = error_of(profile(R"(, "decode_attention_shares_kv": {"value": 1, "source": "x"})"));
  EXPECT_NE(not_bool.find("$.decode_attention_shares_kv.value"), std::string::npos) << not_bool;
}

TEST(StackProfile, RefusesUnknownKeysMissingSourcesAndAFactorOnTheFlashKernel) {
  EXPECT_NE(error_of(profile(R"(, "step_ms": 1)")).find("step_ms"), std::string::npos);
  const std::string factor = error_of(profile("", R"("flash", "time_factor": 2.0)"));
  EXPECT_NE(factor.find("$.prefill_attention.time_factor"), std::string::npos) << factor;
  std::string no_source = profile();
  no_source.replace(no_source.find(R"("source": "x")"), 13, R"("source": "")");
  EXPECT_NE(error_of(no_source).find("$.step_s.source"), std::string::npos) << error_of(no_source);
  EXPECT_NE(error_of(profile(R"(, "step_ms": 1)")).find("bad.json"), std::string::npos);
  EXPECT_THROW(load_stack_profile("no-such-stack"), core::InputError);
}

}  // namespace
}  // namespace lcperf::cost

// The shipped serving traces in traces/data/serving: each loads (by id and by path)
// with the request count of the published file and the statistics its README states.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "traces/serving_readers.hpp"

namespace lcperf::traces {
namespace {

std::string shipped(const std::string& file) { return std::string(LCPERF_SOURCE_DIR) + "/traces/data/serving/" + file; }

struct ShippedTrace {
  const char* id;
  const char* file;
  const char* format;
  std::int64_t requests;  // data rows of the file (counted once with wc/python)
  double mean_prompt;     // from shared/data/traces/README.md
  double mean_output;
  double span_s;
};

const ShippedTrace kShipped[] = {
    {"azure-code-2023", "azure-code-2023.csv", "azure", 8819, 2047.848, 27.883, 3435.948},
    {"azure-conv-2023", "azure-conv-2023.csv", "azure", 19366, 1154.697, 211.126, 3501.722},
    {"mooncake-conversation", "mooncake-conversation.jsonl", "mooncake", 12031, 12035.061, 342.619, 3536.999},
    {"mooncake-synthetic", "mooncake-synthetic.jsonl", "mooncake", 3993, 15325.477, 149.119, 1022.025},
};

TEST(ServingData, EachShippedTraceHasItsPublishedCountsAndMeans) {
  for (const ShippedTrace& s : kShipped) {
    std::int64_t skipped = -1;
    const ServingTrace trace = load_serving_trace(shipped(s.file), "", false, &skipped);
    EXPECT_EQ(skipped, 0) << s.id;
    EXPECT_EQ(trace.format, s.format) << s.id;
    EXPECT_EQ(trace.name, s.id);
    const ServingStats stats = serving_stats(trace);
    EXPECT_EQ(stats.requests, s.requests) << s.id;
    EXPECT_NEAR(stats.mean_prompt_tokens, s.mean_prompt, 1e-3) << s.id;
    EXPECT_NEAR(stats.mean_output_tokens, s.mean_output, 1e-3) << s.id;
    EXPECT_NEAR(stats.span_s, s.span_s, 1e-3) << s.id;
    EXPECT_DOUBLE_EQ(trace.requests.front().arrival_s, 0.0) << s.id;
    for (std::size_t i = 0; i < trace.requests.size(); ++i) {
      // Every shipped file is sorted, so arrival order is file order.
      ASSERT_EQ(trace.requests[i].id, static_cast<std::int64_t>(i)) << s.id;
      ASSERT_GE(trace.requests[i].prompt_tokens, 1) << s.id;
      ASSERT_GE(trace.requests[i].output_tokens, 1) << s.id;
    }
  }
}

TEST(ServingData, ShippedTracesLoadById) {
  for (const ShippedTrace& s : kShipped) {
    EXPECT_EQ(serving_trace_path(s.id), serving_traces_dir() + "/" + s.file);
    EXPECT_EQ(serving_stats(load_serving_trace(s.id)).requests, s.requests) << s.id;
  }
  EXPECT_EQ(serving_trace_path("some/dir/trace.csv"), "some/dir/trace.csv");
  std::string message;
  try {
    serving_trace_path("azure-conv-2099");
  } catch (const core::InputError& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("unknown serving trace 'azure-conv-2099'"), std::string::npos) << message;
  EXPECT_NE(message.find("azure-code-2023, azure-conv-2023, mooncake-conversation, mooncake-synthetic"), std::string::npos) << message;
}

TEST(ServingData, MooncakeHashesCoverThePromptIn512TokenBlocks) {
  for (const char* id : {"mooncake-conversation", "mooncake-synthetic"}) {
    const ServingTrace trace = load_serving_trace(id);
    std::int64_t blocks = 0;
    for (const ServingRequest& r : trace.requests) {
      ASSERT_EQ(r.block_tokens, 512) << id;
      ASSERT_EQ(static_cast<std::int64_t>(r.prefix_block_hashes.size()), (r.prompt_tokens + 511) / 512) << id << " request " << r.id;
      blocks += static_cast<std::int64_t>(r.prefix_block_hashes.size());
    }
    // Block totals computed once from the files.
    EXPECT_EQ(blocks, std::string(id) == "mooncake-conversation" ? 288500 : 121877) << id;
  }
}

TEST(ServingData, AzureCodeTraceKeepsItsIdleGap) {
  // The README notes a 217 s stretch without arrivals; replay must not close it.
  const ServingTrace trace = load_serving_trace("azure-code-2023");
  double longest_gap = 0.0;
  for (std::size_t i = 1; i < trace.requests.size(); ++i) {
    longest_gap = std::max(longest_gap, trace.requests[i].arrival_s - trace.requests[i - 1].arrival_s);
  }
  EXPECT_GT(longest_gap, 200.0);
  EXPECT_LT(longest_gap, 230.0);
}

}  // namespace
}  // namespace lcperf::traces

// The DistKV long-context workload: short requests of a real trace (Azure conversation
// 2023, read with traces/) kept as they are, plus long requests drawn to the mix's
// parameters; deterministic for a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "schedulers/serving/distkv/workload.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_transform.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

std::vector<ServingRequest> azure_conv(std::int64_t count) {
  traces::ServingTrace t =
      traces::load_serving_trace(std::string(LCPERF_SOURCE_DIR) + "/traces/data/serving/azure-conv-2023.csv");
  t = traces::truncate_to_count(t, count);
  std::vector<ServingRequest> out;
  for (const traces::ServingRequest& r : t.requests) out.push_back({r.id, r.arrival_s, r.prompt_tokens, r.output_tokens});
  return out;
}

TEST(DistKvWorkload, ShortRequestsOfTheTraceAreKeptAndLongOnesAdded) {
  const std::vector<ServingRequest> shorts = azure_conv(2000);
  ASSERT_EQ(shorts.size(), 2000u);
  LongRequestMix mix;
  mix.count = 6;
  const LongContextWorkload w = make_long_context_workload(shorts, mix, "test");
  EXPECT_EQ(w.short_requests, 2000);
  ASSERT_EQ(w.requests.size(), 2006u);
  ASSERT_EQ(w.long_requests.size(), 6u);

  std::map<std::int64_t, ServingRequest> by_id;
  for (const ServingRequest& r : w.requests) ASSERT_TRUE(by_id.emplace(r.id, r).second) << "id " << r.id;
  std::int64_t max_short_id = 0;
  std::int64_t longest_short = 0;
  for (const ServingRequest& r : shorts) {
    EXPECT_EQ(by_id.at(r.id), r);  // untouched
    max_short_id = std::max(max_short_id, r.id);
    longest_short = std::max(longest_short, r.prompt_tokens + r.output_tokens);
  }
  for (std::size_t k = 0; k < w.long_requests.size(); ++k) {
    const LongRequestInfo& info = w.long_requests[k];
    EXPECT_EQ(info.id, max_short_id + 1 + static_cast<std::int64_t>(k));
    const ServingRequest& r = by_id.at(info.id);
    EXPECT_EQ(r.prompt_tokens + r.output_tokens, info.context_tokens);
    EXPECT_GT(info.context_tokens, 10 * longest_short);  // really long next to the trace
    EXPECT_GE(r.arrival_s, shorts.front().arrival_s);
    EXPECT_LE(r.arrival_s, shorts.back().arrival_s);
  }
  EXPECT_TRUE(std::is_sorted(w.requests.begin(), w.requests.end(), [](const ServingRequest& a, const ServingRequest& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  }));
  EXPECT_NO_THROW(validate_requests(w.requests, "test"));
}

TEST(DistKvWorkload, SameSeedSameWorkloadAnotherSeedAnother) {
  const std::vector<ServingRequest> shorts = azure_conv(300);
  LongRequestMix mix;
  mix.count = 8;
  const LongContextWorkload a = make_long_context_workload(shorts, mix, "test");
  const LongContextWorkload b = make_long_context_workload(shorts, mix, "test");
  EXPECT_EQ(a.requests, b.requests);
  mix.seed = 2;
  const LongContextWorkload c = make_long_context_workload(shorts, mix, "test");
  EXPECT_NE(a.requests, c.requests);
  EXPECT_EQ(a.requests.size(), c.requests.size());
}

TEST(DistKvWorkload, OneMoreLongRequestLeavesTheOthersDrawsAlone) {
  const std::vector<ServingRequest> shorts = azure_conv(100);
  LongRequestMix mix;
  mix.generation_share = 0;  // the kinds do not depend on the count either
  mix.count = 5;
  const LongContextWorkload five = make_long_context_workload(shorts, mix, "test");
  mix.count = 6;
  const LongContextWorkload six = make_long_context_workload(shorts, mix, "test");
  std::map<std::int64_t, ServingRequest> in_six;
  for (const ServingRequest& r : six.requests) in_six[r.id] = r;
  for (const LongRequestInfo& info : five.long_requests) {
    for (const ServingRequest& r : five.requests) {
      if (r.id == info.id) {
        EXPECT_EQ(in_six.at(r.id), r);
      }
    }
  }
}

TEST(DistKvWorkload, TheMixMatchesItsParameters) {
  const std::vector<ServingRequest> shorts = azure_conv(50);
  LongRequestMix mix;
  mix.seed = 7;
  mix.count = 4000;
  mix.generation_share = 0.3;
  mix.min_context_tokens = 100'000;
  mix.max_context_tokens = 1'900'000;
  mix.arrival_window_s = 600;
  const LongContextWorkload w = make_long_context_workload(shorts, mix, "test");
  std::map<std::int64_t, ServingRequest> by_id;
  for (const ServingRequest& r : w.requests) by_id[r.id] = r;

  std::int64_t generation = 0;
  std::int64_t below_geometric_mid = 0;
  double log_sum = 0;
  double arrival_sum = 0;
  const double geometric_mid = std::sqrt(1e5 * 1.9e6);
  for (const LongRequestInfo& info : w.long_requests) {
    const ServingRequest& r = by_id.at(info.id);
    ASSERT_GE(info.context_tokens, mix.min_context_tokens);
    ASSERT_LE(info.context_tokens, mix.max_context_tokens);
    if (info.kind == LongKind::long_generation) {
      ++generation;
      EXPECT_GE(r.prompt_tokens, mix.short_prompt_min_tokens);
      EXPECT_LE(r.prompt_tokens, mix.short_prompt_max_tokens);
    } else {
      EXPECT_GE(r.output_tokens, mix.short_output_min_tokens);
      EXPECT_LE(r.output_tokens, mix.short_output_max_tokens);
    }
    ASSERT_GE(r.arrival_s, 0.0);
    ASSERT_LT(r.arrival_s, 600.0);
    below_geometric_mid += info.context_tokens < geometric_mid ? 1 : 0;
    log_sum += std::log(static_cast<double>(info.context_tokens));
    arrival_sum += r.arrival_s;
  }
  EXPECT_EQ(generation, 1200);  // round(4000 x 0.3), exactly
  // Log-uniform: half below the geometric midpoint, mean log at the middle of the logs
  // (binomial sd 0.008 and sd of the mean log 0.014: bounds at about 4 sd).
  EXPECT_NEAR(static_cast<double>(below_geometric_mid) / 4000.0, 0.5, 0.03);
  EXPECT_NEAR(log_sum / 4000.0, 0.5 * (std::log(1e5) + std::log(1.9e6)), 0.06);
  EXPECT_NEAR(arrival_sum / 4000.0, 300.0, 12.0);  // uniform arrivals: sd of the mean 2.7 s
}

TEST(DistKvWorkload, BadParametersAreInputErrorsNamingTheField) {
  const std::vector<ServingRequest> shorts = azure_conv(10);
  const auto message = [&](const LongRequestMix& mix) {
    try {
      make_long_context_workload(shorts, mix, "serving.distkv.long_requests");
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  LongRequestMix bad;
  bad.max_context_tokens = 1000;
  EXPECT_NE(message(bad).find("serving.distkv.long_requests: max_context_tokens"), std::string::npos) << message(bad);
  bad = {};
  bad.generation_share = 1.5;
  EXPECT_NE(message(bad).find("generation_share"), std::string::npos);
  bad = {};
  bad.count = -1;
  EXPECT_NE(message(bad).find("count"), std::string::npos);
  bad = {};
  bad.min_context_tokens = 4000;  // below the 8192-token short prompts
  EXPECT_NE(message(bad).find("min_context_tokens"), std::string::npos);
  EXPECT_THROW(make_long_context_workload({}, LongRequestMix{}, "w"), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv

// SLO attainment and goodput on a hand trace whose met and unmet requests are known.
#include "schedulers/serving/slo.hpp"

#include <gtest/gtest.h>

namespace lcperf::schedulers::serving {
namespace {

RequestMetrics request(std::int64_t id, double arrival, double first, double finish, std::int64_t output,
                       bool rejected = false) {
  RequestMetrics r;
  r.id = id;
  r.arrival_s = arrival;
  r.first_scheduled_s = first < 0 ? -1 : arrival;
  r.first_token_s = first;
  r.finish_s = finish;
  r.prompt = 100;
  r.output = output;
  r.rejected = rejected;
  return r;
}

// ttft / tpot / e2e by hand:
const std::vector<RequestMetrics> kTrace = {
    request(0, 0, 0.4, 2.4, 11),         // 0.4 / 0.2 / 2.4
    request(1, 1, 1.6, 2.6, 11),         // 0.6 / 0.1 / 1.6
    request(2, 2, 2.1, 5.1, 11),         // 0.1 / 0.3 / 3.1
    request(3, 3, 3.2, 3.2, 1),          // 0.2 / none (one token) / 0.2
    request(4, 4, -1, -1, 5, true),      // rejected
    request(5, 5, 5.1, -1, 7),           // never finished (a run cut short)
};

TEST(ServingSlo, TtftAndTpotTogether) {
  core::ServingSlo slo;
  slo.ttft_s = 0.5;
  slo.tpot_s = 0.25;
  // Met: 0 (both hold) and 3 (TPOT of a one-token output counts as met); 1 misses TTFT,
  // 2 misses TPOT, 4 and 5 never completed.
  const SloOutcome o = evaluate_slo(kTrace, slo, 10.0);
  EXPECT_EQ(o.requests, 6);
  EXPECT_EQ(o.met, 2);
  EXPECT_DOUBLE_EQ(o.attainment, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(o.goodput_requests_per_s, 0.2);
  EXPECT_DOUBLE_EQ(o.goodput_tokens_per_s, (11 + 1) / 10.0);
}

TEST(ServingSlo, EachBoundAlone) {
  core::ServingSlo ttft;
  ttft.ttft_s = 0.5;
  EXPECT_EQ(evaluate_slo(kTrace, ttft, 10.0).met, 3);  // 0, 2, 3
  core::ServingSlo tpot;
  tpot.tpot_s = 0.25;
  EXPECT_EQ(evaluate_slo(kTrace, tpot, 10.0).met, 3);  // 0, 1, 3
  core::ServingSlo e2e;
  e2e.e2e_s = 2.5;
  const SloOutcome o = evaluate_slo(kTrace, e2e, 10.0);
  EXPECT_EQ(o.met, 3);  // 0, 1, 3; 2 takes 3.1 s
  EXPECT_DOUBLE_EQ(o.goodput_tokens_per_s, (11 + 11 + 1) / 10.0);
}

TEST(ServingSlo, BoundIsInclusiveAndIncompleteRequestsNeverMeet) {
  core::ServingSlo slo;
  slo.ttft_s = 0.5;
  EXPECT_TRUE(meets_slo(request(0, 1.0, 1.5, 2.0, 2), slo));  // exactly on the bound
  EXPECT_FALSE(meets_slo(request(0, 1.0, 1.5000001, 2.0, 2), slo));
  core::ServingSlo loose;
  loose.e2e_s = 1e6;
  EXPECT_FALSE(meets_slo(kTrace[4], loose));
  EXPECT_FALSE(meets_slo(kTrace[5], loose));
}

TEST(ServingSlo, EmptyRunAndZeroDurationGiveZeros) {
  core::ServingSlo slo;
  slo.ttft_s = 1;
  const SloOutcome none = evaluate_slo({}, slo, 0);
  EXPECT_EQ(none.requests, 0);
  EXPECT_EQ(none.attainment, 0);
  const SloOutcome instant = evaluate_slo({kTrace[3]}, slo, 0);
  EXPECT_EQ(instant.met, 1);
  EXPECT_EQ(instant.goodput_requests_per_s, 0);
}

}  // namespace
}  // namespace lcperf::schedulers::serving

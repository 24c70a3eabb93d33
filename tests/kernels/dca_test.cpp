#include <gtest/gtest.h>

#include "kernel_test_util.hpp"
#include "kernels/dca.hpp"
#include "kernels/rotary.hpp"

namespace lcperf::kernels {
namespace {

TEST(DcaPositions, FollowTheRemappingTable) {
  const DcaConfig config{10, 4, 1e4};  // s = 6
  const DcaPositions p = dca_positions(13, config);  // chunk 2, offset 1
  EXPECT_EQ(p.key, 1);
  EXPECT_EQ(p.q_intra, 1);
  EXPECT_EQ(p.q_succ, 7);  // min(1 + 6, 10)
  EXPECT_EQ(p.q_inter, 10);
  EXPECT_EQ(p.q_succ_critical, 7);
  EXPECT_EQ(p.q_inter_critical, 11);
  EXPECT_EQ(dca_positions(17, config).q_succ, 10);  // offset 5 > w: capped at c
}

// Every remapped distance stays within [0, chunk_size]: the point of DCA. Succ
// distances are exact while the query is within the local window of the boundary.
TEST(DcaPositions, DistancesStayInsideTheTrainedRange) {
  const DcaConfig config{24, 8, 1e4};
  const std::int64_t s = config.chunk_len();
  for (std::int64_t qp = 0; qp < 100; ++qp) {
    const DcaPositions q = dca_positions(qp, config);
    for (std::int64_t kp = 0; kp <= qp; ++kp) {
      const std::int64_t gap = qp / s - kp / s;
      const std::int64_t rel = (gap == 0 ? q.q_intra : gap == 1 ? q.q_succ : q.q_inter) - dca_positions(kp, config).key;
      EXPECT_GE(rel, 0);
      EXPECT_LE(rel, config.chunk_size);
      if (gap == 0 || (gap == 1 && qp % s <= config.local_size)) {
        EXPECT_EQ(rel, qp - kp);
      }
    }
  }
}

struct Case {
  AttentionDims dims{4, 2, 64, 0.0f, true};
  std::vector<float> q, k, v;
  Case(std::int64_t q_len, std::int64_t kv_len) {
    q = test::random_vector(static_cast<std::size_t>(q_len * 4 * 64), 1, -2, 2);
    k = test::random_vector(static_cast<std::size_t>(kv_len * 2 * 64), 2, -2, 2);
    v = test::random_vector(static_cast<std::size_t>(kv_len * 2 * 64), 3);
  }
};

void check_chunked_vs_direct(std::int64_t q_len, std::int64_t kv_len) {
  const DcaConfig config{24, 8, 1e4};  // s = 16: several DCA chunks in a small test
  Case c(q_len, kv_len);
  std::vector<float> out(c.q.size()), lse(static_cast<std::size_t>(q_len * 4)), want(out.size()), want_lse(lse.size());
  dca_attention_cpu(c.dims, q_len, kv_len, c.q.data(), c.k.data(), c.v.data(), config, out.data(), lse.data());
  dca_attention_direct_cpu(c.dims, q_len, kv_len, c.q.data(), c.k.data(), c.v.data(), config, want.data(), want_lse.data());
  EXPECT_LT(test::max_abs_diff(out, want), 1e-5);
  EXPECT_LT(test::max_abs_diff(lse, want_lse), 1e-4);
}

TEST(DcaAttentionCpu, ThreePartsMergedEqualDirectRemappedAttention) { check_chunked_vs_direct(56, 56); }

TEST(DcaAttentionCpu, ChunkedPrefillOverAPrefixEqualsDirect) { check_chunked_vs_direct(21, 56); }

// Within one DCA chunk the remapping is the identity: plain RoPE attention.
TEST(DcaAttentionCpu, ShortSequenceEqualsPlainRopeAttention) {
  const DcaConfig config{64, 16, 1e4};
  const std::int64_t n = 40;  // <= chunk_len = 48
  Case c(n, n);
  std::vector<std::int64_t> pos(n);
  for (std::int64_t i = 0; i < n; ++i) pos[static_cast<std::size_t>(i)] = i;
  std::vector<float> qr(c.q.size()), kr(c.k.size());
  rotary_cpu(n, 4, 64, pos.data(), config.rope_theta, c.q.data(), qr.data());
  rotary_cpu(n, 2, 64, pos.data(), config.rope_theta, c.k.data(), kr.data());
  const std::int32_t cu[2] = {0, static_cast<std::int32_t>(n)};
  std::vector<float> want(c.q.size()), want_lse(static_cast<std::size_t>(n * 4)), out(want.size()), lse(want_lse.size());
  attention_fwd_cpu(c.dims, VarlenBatch{1, cu, cu}, qr.data(), kr.data(), c.v.data(), want.data(), want_lse.data());
  dca_attention_cpu(c.dims, n, n, c.q.data(), c.k.data(), c.v.data(), config, out.data(), lse.data());
  EXPECT_LT(test::max_abs_diff(out, want), 1e-6);
  // ...and positions matter: beyond one chunk DCA departs from plain RoPE.
  const DcaConfig small{24, 8, 1e4};
  dca_attention_cpu(c.dims, n, n, c.q.data(), c.k.data(), c.v.data(), small, out.data(), lse.data());
  EXPECT_GT(test::max_abs_diff(out, want), 1e-3);
}

}  // namespace
}  // namespace lcperf::kernels

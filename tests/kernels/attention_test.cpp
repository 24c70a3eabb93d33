#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.hpp"
#include "kernels/attention.hpp"

namespace lcperf::kernels {
namespace {

struct Packed {
  std::vector<std::int32_t> cu_q{0}, cu_kv{0};
  std::vector<float> q, k, v;
};

Packed make_packed(const AttentionDims& dims, const std::vector<std::pair<int, int>>& seqs, std::uint32_t seed) {
  Packed p;
  for (auto [q_len, kv_len] : seqs) {
    p.cu_q.push_back(p.cu_q.back() + q_len);
    p.cu_kv.push_back(p.cu_kv.back() + kv_len);
  }
  p.q = test::random_vector(static_cast<std::size_t>(p.cu_q.back()) * dims.heads_q * dims.head_dim, seed, -2, 2);
  p.k = test::random_vector(static_cast<std::size_t>(p.cu_kv.back()) * dims.heads_kv * dims.head_dim, seed + 1, -2, 2);
  p.v = test::random_vector(static_cast<std::size_t>(p.cu_kv.back()) * dims.heads_kv * dims.head_dim, seed + 2);
  return p;
}

// Forward against the materialised softmax, sequence by sequence.
void check_forward(const AttentionDims& dims, const std::vector<std::pair<int, int>>& seqs) {
  const Packed p = make_packed(dims, seqs, 7);
  const std::size_t rows = static_cast<std::size_t>(p.cu_q.back()) * dims.heads_q;
  std::vector<float> out(rows * dims.head_dim), lse(rows), want_out(out.size()), want_lse(rows);
  attention_fwd_cpu(dims, VarlenBatch{static_cast<int>(seqs.size()), p.cu_q.data(), p.cu_kv.data()}, p.q.data(),
                    p.k.data(), p.v.data(), out.data(), lse.data());
  for (std::size_t b = 0; b < seqs.size(); ++b) {
    const std::int64_t q_len = seqs[b].first, kv_len = seqs[b].second;
    const std::int64_t qo = p.cu_q[b] * dims.heads_q, ko = p.cu_kv[b] * dims.heads_kv;
    auto all = [](std::int64_t, std::int64_t) { return true; };
    auto run = [&](auto visible) {
      test::explicit_attention(dims, q_len, kv_len, p.q.data() + qo * dims.head_dim, p.k.data() + ko * dims.head_dim,
                               p.v.data() + ko * dims.head_dim, visible, want_out.data() + qo * dims.head_dim,
                               want_lse.data() + qo);
    };
    if (dims.causal) run(test::bottom_right_causal(q_len, kv_len)); else run(all);
  }
  EXPECT_LT(test::max_abs_diff(out, want_out), 1e-5);
  EXPECT_LT(test::max_abs_diff(lse, want_lse), 1e-5);
}

TEST(AttentionFwdCpu, CausalMatchesExplicitSoftmax) {
  check_forward({4, 4, 64, 0.0f, true}, {{37, 37}});
}

TEST(AttentionFwdCpu, GqaHeadDim128FullMask) {
  check_forward({8, 2, 128, 0.0f, false}, {{19, 23}});
}

TEST(AttentionFwdCpu, PackedVarlenWithChunkOverKvPrefix) {
  // Plain prefill, a chunk of 16 queries after a 40-token prefix (bottom-right), a
  // single decode-like query, and more queries than keys (leading rows see nothing).
  check_forward({4, 2, 64, 0.0f, true}, {{21, 21}, {16, 56}, {1, 30}, {9, 5}});
}

TEST(AttentionFwdCpu, RowsWithoutKeysGetZeroAndMinusInfinity) {
  const AttentionDims dims{2, 1, 64, 0.0f, true};
  const Packed p = make_packed(dims, {{4, 2}}, 3);
  std::vector<float> out(4 * 2 * 64, 1.0f), lse(8);
  attention_fwd_cpu(dims, VarlenBatch{1, p.cu_q.data(), p.cu_kv.data()}, p.q.data(), p.k.data(), p.v.data(),
                    out.data(), lse.data());
  EXPECT_TRUE(std::isinf(lse[0]) && lse[0] < 0);  // row 0 sees key j <= 0 + 2 - 4 = -2: none
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_TRUE(std::isfinite(lse[2 * 2]));         // row 2 sees key 0
}

// Backward against central finite differences of L = sum(out * dout).
TEST(AttentionBwdCpu, MatchesFiniteDifferences) {
  const AttentionDims dims{4, 2, 64, 0.0f, true};
  const std::vector<std::pair<int, int>> seqs = {{5, 9}, {6, 6}};
  Packed p = make_packed(dims, seqs, 11);
  const VarlenBatch batch{2, p.cu_q.data(), p.cu_kv.data()};
  const std::size_t rows = static_cast<std::size_t>(p.cu_q.back()) * dims.heads_q;
  std::vector<float> out(rows * 64), lse(rows);
  const auto dout = test::random_vector(out.size(), 99);
  attention_fwd_cpu(dims, batch, p.q.data(), p.k.data(), p.v.data(), out.data(), lse.data());
  std::vector<float> dq(p.q.size()), dk(p.k.size()), dv(p.v.size());
  attention_bwd_cpu(dims, batch, p.q.data(), p.k.data(), p.v.data(), out.data(), lse.data(), dout.data(), dq.data(),
                    dk.data(), dv.data());

  auto loss = [&]() {
    std::vector<float> o(out.size()), l(rows);
    attention_fwd_cpu(dims, batch, p.q.data(), p.k.data(), p.v.data(), o.data(), l.data());
    double s = 0;
    for (std::size_t i = 0; i < o.size(); ++i) s += double(o[i]) * dout[i];
    return s;
  };
  auto check = [&](std::vector<float>& x, const std::vector<float>& grad, const char* name) {
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < x.size(); i += 37) {  // a spread sample keeps the test fast
      const float keep = x[i];
      const float h = 1e-2f;
      x[i] = keep + h;
      const double up = loss();
      x[i] = keep - h;
      const double down = loss();
      x[i] = keep;
      const double numeric = (up - down) / (2.0 * h);
      worst = std::max(worst, std::fabs(numeric - grad[i]));
      scale = std::max(scale, std::fabs(numeric));
    }
    EXPECT_LT(worst / scale, 2e-3) << name;
  };
  check(p.q, dq, "dq");
  check(p.k, dk, "dk");
  check(p.v, dv, "dv");
}

}  // namespace
}  // namespace lcperf::kernels

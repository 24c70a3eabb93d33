// Long-context prefill pricing (core/qwen1m_attention.hpp through serving_step_parts):
// vertical-slash work by hand, sparse off below its minimum context, DCA adds merge
// work but no score FLOPs, chunked-prefill activations set by the chunk.
#include <gtest/gtest.h>

#include <variant>

#include "core/qwen1m_attention.hpp"
#include "core/scenario.hpp"
#include "core/serving_ops.hpp"

namespace lcperf::core {
namespace {

ModelSpec model_7b() { return load_model("qwen2.5-7b-instruct-1m"); }

ParallelConfig tp(int n) {
  ParallelConfig p;
  p.tp = n;
  return p;
}

std::vector<OpPart> one_layer(const std::vector<ServingSeq>& seqs, const LongContextOptions& o) {
  return serving_step_parts(model_7b(), tp(4), seqs, 1, false, false, o);
}

ServingSeq chunk(std::int64_t q, std::int64_t before, std::int64_t prompt) {
  ServingSeq s;
  s.q_tokens = q;
  s.context_before = before;
  s.prompt_tokens = prompt;
  return s;
}

const AttentionShape& attention(const std::vector<OpPart>& parts) {
  for (const OpPart& p : parts) {
    if (const auto* a = std::get_if<AttentionShape>(&p)) return *a;
  }
  throw std::logic_error("no attention part");
}

bool has_kind(const std::vector<OpPart>& parts, const std::string& kind) {
  for (const OpPart& p : parts) {
    if (const auto* e = std::get_if<ElementwiseShape>(&p); e != nullptr && e->kind == kind) return true;
  }
  return false;
}

TEST(LongCtxPricing, WorkOfTheFirstChunkByHand) {
  // 256 queries over their own 256 keys, v = s = 100. Block m sees 64 (m + 1) keys; the
  // slash run is ceil((100 + 63) / 64) = 3 tiles, so blocks 0-2 run all their tiles, and
  // block 3 (4 tiles) has 3 slash tiles + 100 x (1 - 192/256) = 25 verticals -> one
  // gathered group, no cheaper than its 4 tiles: every block is dense.
  const VerticalSlashWork w = vertical_slash_work(256, 256, 100, 100);
  EXPECT_DOUBLE_EQ(w.unmasked_pairs, 256.0 * 257 / 2);
  EXPECT_DOUBLE_EQ(w.tile_pairs, 64.0 * 64 * (1 + 2 + 3 + 4));
  EXPECT_DOUBLE_EQ(w.gathered_pairs, 0.0);
  EXPECT_DOUBLE_EQ(w.density(), 1.0);  // whole tiles exceed the causal pairs: capped
}

TEST(LongCtxPricing, WorkFarIntoThePromptAndClamps) {
  // One block at 1M keys: 3 slash tiles (192 keys) + 100 x (1 - 192/1e6) verticals in
  // two gathered groups (128 keys).
  const VerticalSlashWork w = vertical_slash_work(64, 1000000, 100, 100);
  EXPECT_DOUBLE_EQ(w.tile_pairs, 64.0 * 192);
  EXPECT_DOUBLE_EQ(w.gathered_pairs, 64.0 * 128);
  EXPECT_DOUBLE_EQ(w.density(), 64.0 * 320 / (64.0 * (1000000 - 63) + 64.0 * 63 / 2));
  // Budgets below MInference's floors are raised to 30 verticals and 50 slashes:
  // ceil((50 + 63) / 64) = 2 tiles and one group.
  const VerticalSlashWork floors = vertical_slash_work(64, 1000000, 1, 1);
  EXPECT_DOUBLE_EQ(floors.tile_pairs, 64.0 * 128);
  EXPECT_DOUBLE_EQ(floors.gathered_pairs, 64.0 * 64);
  EXPECT_DOUBLE_EQ(floors.index_steps, 80.0);
  // A budget covering every row computes everything.
  EXPECT_DOUBLE_EQ(vertical_slash_work(128, 128, 4000, 4000).density(), 1.0);
}

TEST(LongCtxPricing, DefaultOptionsLeaveTheStepUnchanged) {
  const std::vector<ServingSeq> seqs = {chunk(2048, 4096, 100000), chunk(512, 0, 512)};
  EXPECT_EQ(serving_step_parts(model_7b(), tp(4), seqs, 2, true), serving_step_parts(model_7b(), tp(4), seqs, 2, true, true, {}));
}

TEST(LongCtxPricing, SparseInactiveBelowMinimumContext) {
  LongContextOptions sparse;
  sparse.sparse_attention = true;
  const std::vector<ServingSeq> short_prompt = {chunk(8192, 8192, 16384)};
  const std::vector<OpPart> parts = one_layer(short_prompt, sparse);
  EXPECT_EQ(parts, one_layer(short_prompt, LongContextOptions{}));
  EXPECT_DOUBLE_EQ(attention(parts).density, 1.0);

  // The same chunk of a 64K prompt is sparse and carries its index estimation. Its
  // slashes are placed contiguously here: with the default tenth of them spread at random
  // (755 lines over at most 9.5K offsets) every gap merges under the conversion rule and
  // the kernel runs all its tiles (density 1), which the old contiguous-only model could
  // not show; the sparse path must still be taken, with its estimation parts.
  EXPECT_TRUE(has_kind(one_layer({chunk(8192, 8192, 65536)}, sparse), "sparse_index_estimation"));
  sparse.slash_spread = 0.0;
  const std::vector<OpPart> long_parts = one_layer({chunk(8192, 8192, 65536)}, sparse);
  EXPECT_LT(attention(long_parts).density, 1.0);
  EXPECT_TRUE(has_kind(long_parts, "sparse_index_estimation"));
  EXPECT_LT(flops_of(attention(long_parts)), flops_of(attention(parts)));
}

TEST(LongCtxPricing, DcaAddsMergeWorkButNoScoreFlops) {
  LongContextOptions dca;
  dca.dca = true;
  dca.dca_chunk_tokens = 4096;
  EXPECT_EQ(dca_partials(4096, 4096), 1);
  EXPECT_EQ(dca_partials(8192, 4096), 2);
  EXPECT_EQ(dca_partials(8193, 4096), 3);

  const std::vector<ServingSeq> seqs = {chunk(2048, 10000, 20000)};
  const std::vector<OpPart> plain = one_layer(seqs, LongContextOptions{});
  const std::vector<OpPart> with_dca = one_layer(seqs, dca);
  EXPECT_EQ(attention(with_dca).dca_partials, 3);
  EXPECT_DOUBLE_EQ(flops_of(attention(with_dca)), flops_of(attention(plain)));
  EXPECT_GT(bytes_of(attention(with_dca)), bytes_of(attention(plain)));  // three query reads
  EXPECT_TRUE(has_kind(with_dca, "lse_merge"));
  EXPECT_FALSE(has_kind(plain, "lse_merge"));
  // Within one DCA chunk nothing changes.
  EXPECT_EQ(one_layer({chunk(1024, 1024, 2048)}, dca), one_layer({chunk(1024, 1024, 2048)}, LongContextOptions{}));
}

TEST(LongCtxPricing, SparseDcaAddsExactlyItsParts) {
  // Sparse selection under DCA past two chunks (reference §2.5, §3.5): the extra rotary
  // of four query variants (succ, inter and their continuous-position twins), one
  // index-building launch per segment (3), the LSE merge of 3 partials; the attention
  // carries 3 partials (one launch each). 7B at TP4: 7 local query heads of 128.
  LongContextOptions o;
  o.sparse_attention = true;
  o.sparse_min_context = 0;
  o.dca = true;
  o.dca_chunk_tokens = 4096;
  const std::vector<OpPart> parts = one_layer({chunk(2048, 10000, 20000)}, o);
  EXPECT_EQ(attention(parts).dca_partials, 3);
  int builds = 0;
  double rope = 0, merge = 0;
  for (const OpPart& p : parts) {
    const auto* e = std::get_if<ElementwiseShape>(&p);
    if (e == nullptr) continue;
    if (e->kind == "sparse_index_build") ++builds;
    if (e->kind == "lse_merge") merge += static_cast<double>(e->elements);
    if (e->kind == "rope") rope += static_cast<double>(e->elements);
  }
  EXPECT_EQ(builds, 3);
  EXPECT_DOUBLE_EQ(merge, 2048.0 * 7 * 128);
  // The layer's own rotary of Q and K plus the four extra query variants.
  const std::vector<OpPart> plain = one_layer({chunk(2048, 10000, 20000)}, LongContextOptions{});
  double plain_rope = 0;
  for (const OpPart& p : plain) {
    const auto* e = std::get_if<ElementwiseShape>(&p);
    if (e != nullptr && e->kind == "rope") plain_rope += static_cast<double>(e->elements);
  }
  EXPECT_DOUBLE_EQ(rope - plain_rope, 4.0 * 2048 * 7 * 128);
  // Five query variants held at once: four more Q copies in the attention phase.
  EXPECT_EQ(dca_query_variants(o, true), 5);
  EXPECT_EQ(dca_query_variants(o, false), 3);
  EXPECT_EQ(dca_query_variants(LongContextOptions{}, true), 1);
  const ModelSpec m = model_7b();
  EXPECT_DOUBLE_EQ(prefill_activation_peak_bytes(m, tp(4), 1, 1000000, true, 5) -
                       prefill_activation_peak_bytes(m, tp(4), 1, 1000000, true),
                   4.0 * 7 * 128 * 2);
}

TEST(LongCtxPricing, ChunkedPrefillActivationsSetByTheChunk) {
  const ModelSpec m = model_7b();
  const double chunk_small = prefill_activation_peak_bytes(m, tp(1), 32768, 131072, false);
  EXPECT_DOUBLE_EQ(chunk_small, prefill_activation_peak_bytes(m, tp(1), 32768, 1000000, false));
  const double whole = prefill_activation_peak_bytes(m, tp(1), 1000000, 1000000, false);
  EXPECT_NEAR(chunk_small / whole, 32768.0 / 1000000.0, 1e-12);
  // The gate+up output alone at 1M tokens is the report's ~71 GB (75.8 GB).
  EXPECT_GT(whole, 2.0 * 18944 * 1e6 * 2);
  // Sparse adds the fp32 estimation buffer: 64 queries x kv keys x local heads.
  // One token: the attention phase (hidden + QKV + output of 7 Q / 1 KV local heads, bf16)
  // plus the buffer, which then outweighs the MLP phase.
  EXPECT_DOUBLE_EQ(prefill_activation_peak_bytes(m, tp(4), 1, 1000000, true),
                   (3584.0 + 9 * 128 + 7 * 128) * 2 + 64.0 * 1e6 * 7 * 4);
}

}  // namespace
}  // namespace lcperf::core

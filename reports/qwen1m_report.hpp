#pragma once
// The Markdown report of `lcperf reproduce qwen1m` (Qwen2.5-1M: sparse prefill, chunked
// prefill and DCPP), from the numbers studies/qwen1m_study.cpp prices. This file only
// formats; the speedups, the comparison with the paper's 3-7x range and the DCPP gain are
// derived here from the priced times.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lcperf::reports {

// The paper's "1M tokens" is 10^6, not 2^20.
inline constexpr std::int64_t kQwen1mOneMillion = 1000000;
// The chunk size the paper comparison and the sparse breakdown use (vLLM's recommended 128K).
inline constexpr std::int64_t kQwen1mHeadlineChunk = 128 * 1024;

// One *-prefill.json scenario of the study and its sparse-attention settings.
struct Qwen1mScenario {
  std::string label;  // "<model> TP<tp> on <gpu>": how every table names it
  std::string file;   // the scenario's file name
  std::int64_t vertical_budget = 0;
  std::int64_t slash_budget = 0;
  std::int64_t sparse_min_context = 0;
  std::int64_t dca_chunk_tokens = 0;
};

// Time to first token of one prompt, dense and sparse attention, at one chunk size.
struct Qwen1mTtft {
  std::string scenario;  // Qwen1mScenario::label
  std::int64_t context = 0;
  std::int64_t chunk = 0;
  double dense_s = 0;
  double sparse_s = 0;
};

// Memory of one 1M-token prefill whose largest step holds `step_tokens`, summed over TP.
struct Qwen1mMemory {
  std::string scenario;
  std::int64_t step_tokens = 0;  // kQwen1mOneMillion: no chunking
  double activation_bytes = 0;
  double peak_bytes = 0;  // weights + KV cache + activations
  double gpu_bytes = 0;   // HBM of the TP group
};

// Dense peak activation of the first scenario, 1M tokens at once vs 32K chunks.
struct Qwen1mActivationCut {
  std::string scenario;
  double whole_bytes = 0;
  double chunked_bytes = 0;
};

// One 1M-token prompt through a pipeline: fixed chunks vs DCPP's balanced chunks.
struct Qwen1mDcppRow {
  bool sparse = false;
  std::int64_t chunk = 0;  // the fixed chunk size
  std::size_t chunks = 0;  // both splits use this many
  double fixed_makespan_s = 0;
  double fixed_bubble = 0;
  double dcpp_makespan_s = 0;
  double dcpp_bubble = 0;
  std::int64_t dcpp_largest_chunk = 0;
  std::int64_t dcpp_smallest_chunk = 0;
};

struct Qwen1mDcpp {
  std::string model;
  std::string gpu;
  int stages = 0;
  std::vector<Qwen1mDcppRow> rows;  // dense then sparse, by chunk size
};

// Where one sparse 1M-token prefill (128K chunks) spends its time, all chunks and layers:
// the block-sparse kernel, the index estimation (scores GEMM, softmax, column and
// diagonal sums), top-k with its sort, index building, and everything else (linear
// layers, norms, communication, DCA merges). `attention_cut`: dense causal score pairs
// over the pairs the sparse kernel executes.
struct Qwen1mSparseBreakdown {
  std::string scenario;
  double dense_attention_s = 0;
  double attention_s = 0;
  double estimation_s = 0;
  double topk_s = 0;
  double index_build_s = 0;
  double other_s = 0;
  double attention_cut = 0;
  double gathered_fraction = 0;  // of the executed keys, over the prefill
};

// The 1M-token prefill (headline chunks) of one scenario with its slash lines placed
// differently: `spread` is LongContextOptions::slash_spread (0 = all next to the
// diagonal, 1 = all non-forced lines at random over the history).
struct Qwen1mPlacementRow {
  std::string scenario;
  double spread = 0;
  bool scenario_default = false;  // the scenario's own setting
  double speedup = 0;             // dense TTFT / sparse TTFT
  double attention_cut = 0;       // dense causal pairs / executed pairs
};

struct Qwen1mResults {
  bool quick = false;  // named in the report's command line
  std::vector<Qwen1mScenario> scenarios;
  std::vector<Qwen1mTtft> ttft;  // scenario x chunk x context
  std::vector<Qwen1mMemory> memory;  // scenario x step size
  Qwen1mActivationCut activation_cut;
  Qwen1mDcpp dcpp;
  std::vector<Qwen1mSparseBreakdown> breakdown;  // one per scenario
  std::vector<Qwen1mPlacementRow> placement;     // scenario x spread
};

std::string render_qwen1m_report(const Qwen1mResults& results);

}  // namespace lcperf::reports

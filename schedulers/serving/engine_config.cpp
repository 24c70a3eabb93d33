#include "schedulers/serving/engine_config.hpp"

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {

void validate_engine_config(const EngineConfig& c, const std::string& where) {
  auto fail = [&](const std::string& rule) { throw core::InputError(where + ": " + rule); };
  if (c.block_size_tokens <= 0) fail("block_size_tokens must be > 0");
  if (c.kv_budget_bytes <= 0) fail("kv_budget_bytes must be > 0");
  if (c.host_kv_budget_bytes < 0) fail("host_kv_budget_bytes must be >= 0");
  if (!(c.watermark >= 0 && c.watermark < 1)) fail("watermark must be in [0, 1)");
  if (c.max_num_batched_tokens <= 0) fail("max_num_batched_tokens must be > 0");
  if (c.max_num_seqs <= 0) fail("max_num_seqs must be > 0");
  if (c.chunked_prefill && c.prefill_chunk_tokens <= 0) fail("prefill_chunk_tokens must be > 0");
  if (!(c.host_link_factor > 0)) fail("host_link_factor must be > 0");
  if (c.closed_loop < 0) fail("closed_loop must be >= 0");
  const core::ServingStack& h = c.stack;
  for (double v : {h.step_s, h.schedule_per_seq_s, h.prepare_per_seq_s, h.prepare_per_token_s, h.sample_per_seq_s,
                   h.output_per_seq_s, h.kernel_launch_s, h.graph_launch_s, h.request_s, h.request_per_prompt_token_s,
                   h.custom_all_reduce_latency_s}) {
    if (!(v >= 0)) fail("the serving stack's host times must be >= 0");
  }
  if (!(h.prefill_attention_time_factor > 0)) fail("the serving stack's prefill_attention_time_factor must be > 0");
}

}  // namespace lcperf::schedulers::serving

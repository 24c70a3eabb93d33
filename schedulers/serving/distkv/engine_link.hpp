#pragma once
// The serving engine's side of DistKV-LLM (RemoteKv, schedulers/serving/remote_kv.hpp):
// the engine of instance i talks to its own DistKV agent (controller.hpp,
// make_agent_program) for every block growth and release, and to the agents of the
// instances that hold part of a request's KV for DistAttention.
//
// A step: for each request with rBlocks on other instances, plan_dist_attention
// (distattention.hpp) splits its attention by holder; each remote holder's agent gets
// one "dkv_attn" message per step (the queries and new K/V of all layers, priced by
// core/distattention_ops.hpp) and answers with one p2p transfer of the partial outputs
// and LSEs, after running the micro-attentions on its GPU (sharing it with that
// instance's own engine). The home runs its local op (the step with remote keys left
// out of its attention) meanwhile, then merges. Layers are aggregated into one round
// trip per holder and step: per-layer synchronisation latency (a few microseconds per
// layer on NVLink/InfiniBand) is not modelled.
//
// The engine reads its agent's rBlock tables directly (shared RManager core): the engine
// and its rManager are one process in DistKV-LLM. This holds in the simulator, whose
// actors share one thread; DistKV is not run on the live backends.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/distattention_ops.hpp"
#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"
#include "schedulers/serving/distkv/rmanager.hpp"
#include "schedulers/serving/remote_kv.hpp"

namespace lcperf::schedulers::serving::distkv {

// Controller-level message types between engines, agents and the gManager (protocol
// packets keep their own type names, messages.hpp).
inline constexpr const char* kAllocMessage = "dkv_alloc";            // engine -> own agent: "request blocks"
inline constexpr const char* kPlacedMessage = "dkv_placed";          // agent -> engine: "request ok(1/0)"
inline constexpr const char* kReleaseMessage = "dkv_release";        // engine -> own agent: "request"
inline constexpr const char* kEngineDoneMessage = "dkv_done";        // engine -> own agent
inline constexpr const char* kInstanceDoneMessage = "dkv_instance_done";  // agent -> gManager: "instance"
inline constexpr const char* kStopMessage = "dkv_stop";              // gManager -> agents
inline constexpr const char* kAttentionMessage = "dkv_attn";         // home engine -> holder agent
inline constexpr int kPartialsTag = 7001;                            // holder agent -> home engine, p2p

// What one engine's DistAttention did, for the result and the tests.
struct DistAttentionRecords {
  std::int64_t steps_with_remote = 0;   // steps that asked another instance
  std::int64_t attention_messages = 0;  // dkv_attn messages sent
  std::int64_t query_bytes = 0;         // their bytes (queries + appended K/V, all layers and TP ranks)
  std::int64_t partial_bytes = 0;       // partial outputs + LSEs received
  std::int64_t kv_pull_bytes_avoided = 0;  // what pulling the remote K/V home would have moved
  std::int64_t placements = 0;          // grow calls
  std::int64_t placement_failures = 0;  // grow calls the cluster had no room for
  // Steps whose remote work is decodes only: the range of their network bytes and of
  // the context of their longest remote request (DistAttention's bytes per decode step
  // do not depend on the context; pulling the KV would).
  // Merged over engines into result.json's "decode_steps".
  struct DecodeTraffic {
    std::int64_t steps = 0;
    std::int64_t min_bytes = 0;
    std::int64_t max_bytes = 0;
    std::int64_t min_context = 0;
    std::int64_t max_context = 0;
    void add(std::int64_t bytes, std::int64_t context) { merge({1, bytes, bytes, context, context}); }
    void merge(const DecodeTraffic& o) {
      if (o.steps == 0) return;
      const bool first = steps == 0;
      steps += o.steps;
      min_bytes = first ? o.min_bytes : std::min(min_bytes, o.min_bytes);
      max_bytes = first ? o.max_bytes : std::max(max_bytes, o.max_bytes);
      min_context = first ? o.min_context : std::min(min_context, o.min_context);
      max_context = first ? o.max_context : std::max(max_context, o.max_context);
    }
  } decode;
};

struct EngineLinkConfig {
  int instance = 0;
  int own_agent_rank = -1;
  std::vector<int> agent_ranks;  // per instance
  std::int64_t block_tokens = 16;
  core::ModelSpec model;
  core::ParallelConfig parallel;
};

std::shared_ptr<RemoteKv> make_engine_link(EngineLinkConfig config, std::shared_ptr<const RManager> own_rmanager,
                                           std::shared_ptr<DistAttentionRecords> records);

// The attention request a home sends a holder: one work item per request it serves.
struct AttentionRequest {
  int home_rank = -1;
  int layers = 1;
  std::vector<core::MicroAttentionWork> decode_work;   // decode queries (paged decode kernel)
  std::vector<core::MicroAttentionWork> prefill_work;  // prefill chunk queries
  bool operator==(const AttentionRequest&) const = default;
};
std::string encode_attention_request(const AttentionRequest& request);

// The transfer of `layers` layers' worth of a one-layer buffer: memory holds one layer
// (layers are produced and consumed in turn), the wire carries them all.
core::Tensor all_layers(const core::Tensor& one_layer, std::int64_t layers);
AttentionRequest decode_attention_request(const std::string& payload);

}  // namespace lcperf::schedulers::serving::distkv

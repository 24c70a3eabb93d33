#include "schedulers/serving/distkv/engine_link.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "core/tensor.hpp"
#include "schedulers/serving/distkv/distattention.hpp"

namespace lcperf::schedulers::serving::distkv {

namespace {

void put_seqs(std::ostream& o, const std::vector<core::AttentionSeq>& seqs) {
  o << ' ' << seqs.size();
  for (const core::AttentionSeq& s : seqs) o << ' ' << s.q_len << ' ' << s.kv_len;
}

std::vector<core::AttentionSeq> take_seqs(std::istream& i) {
  std::size_t n = 0;
  i >> n;
  std::vector<core::AttentionSeq> seqs(n);
  for (core::AttentionSeq& s : seqs) i >> s.q_len >> s.kv_len;
  return seqs;
}

void put_work(std::ostream& o, const std::vector<core::MicroAttentionWork>& work) {
  o << ' ' << work.size();
  for (const core::MicroAttentionWork& w : work) {
    o << ' ' << w.query_tokens << ' ' << w.kv_tokens << ' ' << w.appended_tokens << ' ' << (w.remote ? 1 : 0);
    put_seqs(o, w.causal);
    put_seqs(o, w.full);
  }
}

std::vector<core::MicroAttentionWork> take_work(std::istream& i) {
  std::size_t n = 0;
  i >> n;
  std::vector<core::MicroAttentionWork> work(n);
  for (core::MicroAttentionWork& w : work) {
    int remote = 0;
    i >> w.query_tokens >> w.kv_tokens >> w.appended_tokens >> remote;
    w.remote = remote != 0;
    w.causal = take_seqs(i);
    w.full = take_seqs(i);
  }
  return work;
}

// Message text is parsed by our own agent only: a malformed one is a program error.
std::int64_t parse_int(std::istream& i, const char* what) {
  std::int64_t v = 0;
  if (!(i >> v)) throw std::logic_error(std::string("distkv: malformed ") + what + " message");
  return v;
}

}  // namespace

core::Tensor all_layers(const core::Tensor& one_layer, std::int64_t layers) {
  core::Tensor wire = one_layer;
  wire.desc = core::bytes_tensor(one_layer.desc.name, one_layer.bytes() * layers, one_layer.desc.tag);
  return wire;
}

namespace {

class EngineLink final : public RemoteKv {
 public:
  EngineLink(EngineLinkConfig config, std::shared_ptr<const RManager> own, std::shared_ptr<DistAttentionRecords> records)
      : c_(std::move(config)),
        own_(std::move(own)),
        rec_(std::move(records)),
        dims_(core::dist_attention_dims(c_.model, c_.parallel)) {}

  bool grow(core::Runtime& rt, std::int64_t request, std::int64_t blocks) override {
    core::Message m;
    m.type = kAllocMessage;
    m.payload = std::to_string(request) + " " + std::to_string(blocks);
    m.bytes = 48;
    rt.post_message(c_.own_agent_rank, m);
    ++rec_->placements;
    // Every placement ends in an answer: the protocol bounds each of its waits.
    for (;;) {
      const std::optional<core::Message> reply = rt.receive_message(-1);
      if (!reply || reply->type != kPlacedMessage) {
        throw std::logic_error("distkv engine " + std::to_string(c_.instance) + ": unexpected message " +
                               (reply ? reply->type : std::string("(none)")));
      }
      std::istringstream in(reply->payload);
      const std::int64_t id = parse_int(in, kPlacedMessage);
      const std::int64_t ok = parse_int(in, kPlacedMessage);
      if (id != request) continue;  // an outcome about another request (it lost blocks): not waited for
      if (ok == 0) ++rec_->placement_failures;
      return ok != 0;
    }
  }

  void release(core::Runtime& rt, std::int64_t request) override {
    core::Message m;
    m.type = kReleaseMessage;
    m.payload = std::to_string(request);
    m.bytes = 40;
    rt.post_message(c_.own_agent_rank, m);
  }

  void run_step(core::Runtime& rt, std::int64_t step, const std::vector<core::ServingSeq>& seqs,
                const std::vector<std::int64_t>& requests, const LocalOpBuilder& local_op_for) override {
    std::map<int, AttentionRequest> by_holder;
    std::vector<core::ServingSeq> local_seqs = seqs;  // what this GPU attends over
    std::int64_t merged_queries = 0;
    std::int64_t partial_rows = 0;
    std::int64_t max_context = 0;
    std::int64_t pull_bytes = 0;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const std::optional<DistAttentionPlan> plan = plan_of(requests[i], seqs[i]);
      if (!plan) continue;
      bool remote = false;
      std::int64_t local_kv = 0;
      for (const HolderWork& h : plan->holders) {
        if (!h.remote) {
          local_kv += h.work.kv_tokens;
          continue;
        }
        remote = true;
        AttentionRequest& r = by_holder[h.holder.instance];
        (seqs[i].decode ? r.decode_work : r.prefill_work).push_back(h.work);
        pull_bytes += core::kv_pull_bytes(dims_, h.work.kv_tokens);
      }
      // The local attention sees only the local keys (at least the step's own queries).
      local_seqs[i].context_before = std::max<std::int64_t>(0, local_kv - seqs[i].q_tokens);
      if (!remote) continue;
      merged_queries += seqs[i].q_tokens;
      partial_rows += plan->partial_rows();
      max_context = std::max(max_context, seqs[i].context_before + seqs[i].q_tokens);
    }
    const int tp = c_.parallel.tp;
    const std::int64_t layers = c_.model.layers;
    std::vector<std::pair<core::Tensor, core::Completion>> partials;
    std::int64_t step_bytes = 0;
    for (auto& [holder, request] : by_holder) {
      request.home_rank = rt.rank();
      request.layers = c_.model.layers;
      std::int64_t out_bytes = 0;
      std::int64_t back_bytes = 0;
      for (const auto* list : {&request.decode_work, &request.prefill_work}) {
        for (const core::MicroAttentionWork& w : *list) {
          out_bytes += core::query_message_bytes(dims_, w.query_tokens, w.appended_tokens);
          back_bytes += core::partial_message_bytes(dims_, w.query_tokens);
        }
      }
      core::Message m;
      m.type = kAttentionMessage;
      m.payload = encode_attention_request(request);
      m.bytes = out_bytes * layers * tp;  // every layer, every TP rank's head slice
      rt.post_message(c_.agent_ranks.at(static_cast<std::size_t>(holder)), m);
      // The partials land in a buffer of this rank (one TP rank's share; the simulator
      // moves it for every rank of a folded TP group). It holds one layer: the layers'
      // partials arrive and are merged one after the other, though the transfer here
      // carries all of them at once.
      core::Tensor buffer = rt.allocate(core::bytes_tensor("distattn partials from " + std::to_string(holder),
                                                           back_bytes, core::MemoryTag::comm_buffer));
      partials.emplace_back(buffer, rt.recv(all_layers(buffer, layers), c_.agent_ranks.at(static_cast<std::size_t>(holder)),
                                            core::kRecvStream, kPartialsTag));
      ++rec_->attention_messages;
      rec_->query_bytes += m.bytes;
      rec_->partial_bytes += back_bytes * layers * tp;
      step_bytes += m.bytes + back_bytes * layers * tp;
    }
    const core::KernelOp& local_op = local_op_for(local_seqs);
    if (!local_op.parts.empty()) rt.wait(rt.launch(local_op, core::kComputeStream));
    if (partials.empty()) return;
    for (auto& [buffer, done] : partials) {
      rt.wait(done);
      rt.release(buffer);
    }
    core::KernelOp merge;
    merge.name = "distattn merge step " + std::to_string(step);
    merge.category = "distattention";
    const std::vector<core::OpPart> one_layer = core::merge_parts(dims_, merged_queries, partial_rows);
    for (std::int64_t l = 0; l < layers; ++l) merge.parts.insert(merge.parts.end(), one_layer.begin(), one_layer.end());
    if (!merge.parts.empty()) rt.wait(rt.launch(merge, core::kComputeStream));
    ++rec_->steps_with_remote;
    rec_->kv_pull_bytes_avoided += pull_bytes * layers * tp;
    const bool decode_only = std::all_of(by_holder.begin(), by_holder.end(),
                                         [](const auto& h) { return h.second.prefill_work.empty(); });
    if (decode_only) rec_->decode.add(step_bytes, max_context);
  }

  void finish(core::Runtime& rt) override {
    core::Message m;
    m.type = kEngineDoneMessage;
    m.bytes = 32;
    rt.post_message(c_.own_agent_rank, m);
  }

 private:
  // The DistAttention plan of one sequence's step, or none when every block it reads is
  // in this instance's GPU memory.
  std::optional<DistAttentionPlan> plan_of(std::int64_t request, const core::ServingSeq& seq) const {
    const auto it = own_->tables().find(request);
    if (it == own_->tables().end()) {
      throw std::logic_error("distkv engine " + std::to_string(c_.instance) + ": request " + std::to_string(request) +
                             " has no rBlock table");
    }
    const std::vector<BlockRef>& blocks = it->second.blocks;
    const bool all_local = std::all_of(blocks.begin(), blocks.end(), [this](const BlockRef& b) {
      return b.tier == Tier::device && b.instance == c_.instance;
    });
    if (all_local) return std::nullopt;
    return plan_dist_attention(request, c_.instance, blocks, c_.block_tokens, seq.context_before, seq.q_tokens);
  }

  EngineLinkConfig c_;
  std::shared_ptr<const RManager> own_;
  std::shared_ptr<DistAttentionRecords> rec_;
  core::DistAttentionDims dims_;
};

}  // namespace

std::string encode_attention_request(const AttentionRequest& request) {
  std::ostringstream o;
  o << request.home_rank << ' ' << request.layers;
  put_work(o, request.decode_work);
  put_work(o, request.prefill_work);
  return o.str();
}

AttentionRequest decode_attention_request(const std::string& payload) {
  std::istringstream i(payload);
  AttentionRequest r;
  r.home_rank = static_cast<int>(parse_int(i, kAttentionMessage));
  r.layers = static_cast<int>(parse_int(i, kAttentionMessage));
  r.decode_work = take_work(i);
  r.prefill_work = take_work(i);
  if (!i) throw std::logic_error("distkv: malformed dkv_attn message");
  return r;
}

std::shared_ptr<RemoteKv> make_engine_link(EngineLinkConfig config, std::shared_ptr<const RManager> own_rmanager,
                                           std::shared_ptr<DistAttentionRecords> records) {
  return std::make_shared<EngineLink>(std::move(config), std::move(own_rmanager), std::move(records));
}

}  // namespace lcperf::schedulers::serving::distkv

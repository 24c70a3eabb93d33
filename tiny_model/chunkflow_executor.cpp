#include "tiny_model/chunkflow_executor.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "tiny_model/tiny_model.hpp"
#include "core/errors.hpp"
#include "schedulers/training/chunk_unit.hpp"
#include "schedulers/training/state_aware_1f1b.hpp"

namespace lcperf::tiny {

namespace {

using schedulers::training::Chunk;
using schedulers::training::ChunkStep;

std::size_t sz(std::int64_t n) { return static_cast<std::size_t>(n); }

// ChunkFlow's per-sequence state store on our single stage.
struct SequenceState {
  std::vector<std::vector<float>> k, v, dk, dv;  // per layer: [sequence tokens, heads_kv, head_dim]
  int forwarded = 0;                             // chunks 0..forwarded-1 have their K/V stored
  std::vector<bool> backwarded;                  // per chunk index
};

class Executor {
 public:
  Executor(const TinyWeights& weights, const std::vector<TokenSequence>& sequences, const std::vector<Chunk>& chunks)
      : w_(weights), seqs_(sequences), chunks_(chunks) {
    result_.step.grads = zero_weights(w_.config);
    result_.trace.chunks = chunks;
    const std::int64_t total = total_tokens(sequences);
    if (total == 0) throw core::InputError("ChunkFlow step: the batch has no tokens");
    loss_scale_ = static_cast<float>(1.0 / static_cast<double>(total));
    std::int64_t covered = 0;
    for (const Chunk& c : chunks) {
      if (!by_id_.emplace(c.id, &c).second) throw core::InputError("ChunkFlow step: chunk id " + std::to_string(c.id) + " repeats");
      covered += c.tokens();
      if (c.kind == Chunk::Kind::dependent && !states_.count(c.seq_id)) add_state(c);
    }
    if (covered != total) {
      throw core::InputError("ChunkFlow step: the chunks cover " + std::to_string(covered) + " tokens, the batch has " +
                             std::to_string(total));
    }
  }

  ChunkFlowStepResult run(const std::vector<ChunkStep>& steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      step_index_ = i;
      const ChunkStep& s = steps[i];
      switch (s.kind) {
        case ChunkStep::Kind::forward: forward(s); break;
        case ChunkStep::Kind::reforward: reforward(s); break;
        case ChunkStep::Kind::backward: backward(s); break;
      }
      result_.trace.executed.push_back(s);
      result_.trace.peak_live_activation_chunks =
          std::max(result_.trace.peak_live_activation_chunks, static_cast<int>(live_.size()));
    }
    for (const Chunk& c : chunks_) {
      if (!done_.count(c.id)) throw core::InputError("ChunkFlow step: chunk " + std::to_string(c.id) + " never ran its backward");
    }
    result_.step.loss = loss_sum_ / static_cast<double>(total_tokens(seqs_));
    return std::move(result_);
  }

 private:
  [[noreturn]] void fail(const std::string& what, const ChunkStep& s) const {
    throw core::InputError("ChunkFlow step " + std::to_string(step_index_) + " (" +
                           schedulers::training::to_string(std::vector<ChunkStep>{s}) + "): " + what);
  }

  const Chunk& chunk_of(const ChunkStep& s) const {
    const auto it = by_id_.find(s.chunk);
    if (it == by_id_.end()) fail("names no chunk of this batch", s);
    return *it->second;
  }

  const TokenSequence& sequence(int id, const ChunkStep& s) const {
    if (id < 0 || sz(id) >= seqs_.size()) fail("chunk refers to sequence " + std::to_string(id) + ", not in the batch", s);
    return seqs_[sz(id)];
  }

  void add_state(const Chunk& c) {
    const auto floats = sz(static_cast<std::int64_t>(seqs_.at(sz(c.seq_id)).tokens.size()) * w_.config.kv_width());
    SequenceState st;
    for (auto* per_layer : {&st.k, &st.v, &st.dk, &st.dv}) {
      per_layer->assign(sz(w_.config.layers), std::vector<float>(floats, 0.0f));
    }
    st.backwarded.assign(sz(c.count), false);
    states_.emplace(c.seq_id, std::move(st));
  }

  TokenBlock block_of(const Chunk& c, const ChunkStep& s) const {
    TokenBlock b;
    const auto append = [&](const TokenSequence& seq, std::int64_t from, std::int64_t len) {
      if (from + len > static_cast<std::int64_t>(seq.tokens.size())) fail("chunk runs past its sequence's end", s);
      b.tokens.insert(b.tokens.end(), seq.tokens.begin() + from, seq.tokens.begin() + from + len);
      b.labels.insert(b.labels.end(), seq.labels.begin() + from, seq.labels.begin() + from + len);
      for (std::int64_t p = from; p < from + len; ++p) b.positions.push_back(p);
      b.seq_lens.push_back(static_cast<std::int32_t>(len));
    };
    if (c.kind == Chunk::Kind::dependent) {
      append(sequence(c.seq_id, s), c.kv_prefix(), c.tokens());
      b.prefix_tokens = c.kv_prefix();
    } else {
      for (std::size_t i = 0; i < c.seq_ids.size(); ++i) {
        const TokenSequence& seq = sequence(c.seq_ids[i], s);
        if (static_cast<std::int64_t>(seq.tokens.size()) != c.seq_lens[i]) fail("packed length differs from the sequence's", s);
        append(seq, 0, c.seq_lens[i]);
      }
    }
    return b;
  }

  SequenceState* state_of(const Chunk& c) { return c.kind == Chunk::Kind::dependent ? &states_.at(c.seq_id) : nullptr; }

  KvPrefix prefix_of(const SequenceState* st) const {
    KvPrefix p;
    if (st == nullptr) return p;
    for (int l = 0; l < w_.config.layers; ++l) {
      p.k.push_back(st->k[sz(l)].data());
      p.v.push_back(st->v[sz(l)].data());
    }
    return p;
  }

  // Rows of this chunk inside its sequence's store.
  std::size_t own_offset(const Chunk& c) const { return sz(c.kv_prefix() * w_.config.kv_width()); }

  void forward(const ChunkStep& s) {
    const Chunk& c = chunk_of(s);
    if (seen_.count(c.id)) fail("chunk was already forwarded (a second pass must be a re-forward)", s);
    SequenceState* st = state_of(c);
    if (st != nullptr && st->forwarded != c.index) {
      fail("K/V of chunks 0.." + std::to_string(c.index - 1) + " of sequence " + std::to_string(c.seq_id) +
               " are not all stored (" + std::to_string(st->forwarded) + " chunks forwarded)",
           s);
    }
    const TokenBlock block = block_of(c, s);
    BlockActivations acts = forward_block(w_, block, prefix_of(st));
    loss_sum_ += acts.loss_sum;
    seen_.insert(c.id);
    ++result_.trace.forwards;
    if (st != nullptr) {
      for (int l = 0; l < w_.config.layers; ++l) {
        const LayerActivations& a = acts.layers[sz(l)];
        std::copy(a.k.begin(), a.k.end(), st->k[sz(l)].begin() + static_cast<std::ptrdiff_t>(own_offset(c)));
        std::copy(a.v.begin(), a.v.end(), st->v[sz(l)].begin() + static_cast<std::ptrdiff_t>(own_offset(c)));
      }
      ++st->forwarded;
    }
    if (s.keep_activations) live_.emplace(c.id, std::move(acts));
  }

  void reforward(const ChunkStep& s) {
    const Chunk& c = chunk_of(s);
    if (!seen_.count(c.id)) fail("re-forward of a chunk never forwarded", s);
    if (live_.count(c.id)) fail("re-forward of a chunk whose activations are still held", s);
    if (done_.count(c.id)) fail("re-forward of a chunk whose backward already ran", s);
    SequenceState* st = state_of(c);
    BlockActivations acts = forward_block(w_, block_of(c, s), prefix_of(st));
    if (st != nullptr) {
      for (int l = 0; l < w_.config.layers; ++l) {
        const LayerActivations& a = acts.layers[sz(l)];
        const auto at = st->k[sz(l)].begin() + static_cast<std::ptrdiff_t>(own_offset(c));
        const auto vat = st->v[sz(l)].begin() + static_cast<std::ptrdiff_t>(own_offset(c));
        if (!std::equal(a.k.begin(), a.k.end(), at) || !std::equal(a.v.begin(), a.v.end(), vat)) {
          fail("re-forward regenerated K/V that differ from the stored ones (layer " + std::to_string(l) + ")", s);
        }
      }
    }
    ++result_.trace.reforwards;
    live_.emplace(c.id, std::move(acts));
  }

  void backward(const ChunkStep& s) {
    const Chunk& c = chunk_of(s);
    const auto held = live_.find(c.id);
    if (held == live_.end()) fail("backward without activations (not kept, not re-forwarded)", s);
    SequenceState* st = state_of(c);
    KvOwnGrad own;
    KvPrefixGrad prefix_grad;
    if (st != nullptr) {
      for (int later = c.index + 1; later < c.count; ++later) {
        if (!st->backwarded[sz(later)]) {
          fail("backward of chunk index " + std::to_string(c.index) + " before chunk index " + std::to_string(later) +
                   " of sequence " + std::to_string(c.seq_id) + ": its K/V gradient is incomplete",
               s);
        }
      }
      for (int l = 0; l < w_.config.layers; ++l) {
        own.dk.push_back(st->dk[sz(l)].data() + own_offset(c));
        own.dv.push_back(st->dv[sz(l)].data() + own_offset(c));
        prefix_grad.dk.push_back(st->dk[sz(l)].data());
        prefix_grad.dv.push_back(st->dv[sz(l)].data());
      }
    }
    backward_block(w_, block_of(c, s), prefix_of(st), held->second, loss_scale_, own, result_.step.grads, prefix_grad);
    live_.erase(held);
    done_.insert(c.id);
    if (st != nullptr) st->backwarded[sz(c.index)] = true;
    ++result_.trace.backwards;
  }

  const TinyWeights& w_;
  const std::vector<TokenSequence>& seqs_;
  const std::vector<Chunk>& chunks_;
  std::map<int, const Chunk*> by_id_;
  std::map<int, SequenceState> states_;  // by sequence id
  std::map<int, BlockActivations> live_;  // chunks holding full activations
  std::set<int> seen_, done_;             // forwarded once; backward done
  std::size_t step_index_ = 0;
  float loss_scale_ = 0;
  double loss_sum_ = 0;
  ChunkFlowStepResult result_;
};

}  // namespace

std::vector<Chunk> chunkflow_chunks(const std::vector<TokenSequence>& sequences, std::int64_t chunk_size) {
  std::vector<schedulers::training::Sequence> lengths;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    lengths.push_back({static_cast<int>(i), static_cast<std::int64_t>(sequences[i].tokens.size())});
  }
  return schedulers::training::construct_chunks(lengths, chunk_size);
}

std::vector<ChunkStep> chunkflow_order(const std::vector<Chunk>& chunks, int k) {
  // One stage holds the whole model here, so the pipeline schedule's pp = 1 order is
  // the whole step: each unit's forwards, then its state-aware backward items.
  return schedulers::training::state_aware_1f1b_schedule(1, 0, schedulers::training::group_into_units(chunks), k);
}

ChunkFlowStepResult chunkflow_step(const TinyWeights& weights, const std::vector<TokenSequence>& sequences,
                                   std::int64_t chunk_size, int k) {
  const std::vector<Chunk> chunks = chunkflow_chunks(sequences, chunk_size);
  return execute_chunk_steps(weights, sequences, chunks, chunkflow_order(chunks, k));
}

ChunkFlowStepResult execute_chunk_steps(const TinyWeights& weights, const std::vector<TokenSequence>& sequences,
                                        const std::vector<Chunk>& chunks, const std::vector<ChunkStep>& steps) {
  return Executor(weights, sequences, chunks).run(steps);
}

}  // namespace lcperf::tiny

#pragma once
// What the first pipeline stage of a serving instance tells the other stages about each
// batch (a controller message on the seam, as vLLM's driver broadcasts its scheduler
// output to the workers): the batch's sequences, so a stage builds the same op for its
// layers, and the KV block changes since the previous message, so each stage mirrors
// the KV cache of its layers in its own memory accounting.
#include <cstdint>
#include <string>
#include <vector>

#include "core/serving_ops.hpp"
#include "schedulers/serving/batch_scheduler.hpp"

namespace lcperf::schedulers::serving {

struct StageBatch {
  std::int64_t sequence = 0;  // messages are numbered from 0 in the order they were posted
  std::int64_t step = 0;      // the engine step the batch is (names the op)
  bool stop = false;          // no more batches: apply the KV changes and end
  std::vector<core::ServingSeq> seqs;
  std::vector<KvEvent> kv_events;
  std::int64_t swap_out_blocks = 0;
  std::int64_t swap_in_blocks = 0;
  bool operator==(const StageBatch&) const;
};

// A compact binary payload (the message's size on the wire is its length).
std::string encode_stage_batch(const StageBatch& batch);
// Throws std::logic_error on a payload encode_stage_batch did not write.
StageBatch decode_stage_batch(const std::string& payload);

}  // namespace lcperf::schedulers::serving

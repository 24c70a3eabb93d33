#pragma once
// What every pipeline-stage rank program does the same way, whichever schedule drives
// it (Megatron's micro-batches, ChunkFlow's chunks): model states, per-shape op parts
// and sizes, tensor helpers, buffered sends, the gradient reduction and optimizer step.
// Only the seam (core::Runtime) is used.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/runtime.hpp"
#include "core/training_memory.hpp"
#include "schedulers/training/megatron_program.hpp"

namespace lcperf::schedulers::training {

// Joins pieces by appending; GCC 12 warns falsely (-Wrestrict) on chained operator+
// that starts from a literal.
std::string cat(std::initializer_list<std::string_view> pieces);
std::string mb_suffix(int j);
void append(std::vector<core::OpPart>& to, const std::vector<core::OpPart>& from);

// What a micro-batch (or chunk) of one shape costs this rank: sizes and the op parts of
// each region, built once per distinct shape.
struct ShapeWork {
  std::int64_t boundary = 0;
  std::int64_t boundary_tokens = 0;
  std::int64_t layer_bytes = 0;
  std::int64_t workspace_bytes = 0;
  std::int64_t planned_bytes = 0;                  // with the memory planner: its peak
  std::vector<core::OpPart> planned_recompute;     // ... and its recompute as one op
  std::vector<core::OpPart> layer_fwd, layer_bwd, layer_recompute;
  std::vector<core::OpPart> embedding_fwd, embedding_bwd, head_fwd, head_bwd;
  // Whole-chunk regions (stage granularity), by edge: bit 0 = holds the embedding,
  // bit 1 = holds the head.
  std::map<int, std::vector<core::OpPart>> chunk_fwd, chunk_bwd, chunk_recompute;
};

class StageRank {
 protected:
  StageRank(const MegatronPlan& plan, core::Runtime& rt, int layers_per_region);

  ShapeWork& work(const core::MicroBatchShape& batch);
  core::Tensor allocate(const std::string& name, std::int64_t bytes, core::MemoryTag tag_of);
  void release(core::Tensor& t);
  core::Tensor boundary_tensor(const std::string& name, const ShapeWork& w, core::MemoryTag tag_of);
  // Regions are launched from prebuilt parts (only the name and micro-batch change);
  // the parts are lent to the op and taken back, never copied per launch.
  void launch(std::string name, const char* category, std::vector<core::OpPart>& parts, int j);
  // A whole region as one op (stage granularity): first, the middle repeated for every
  // layer of the region, last; built once per shape and edge.
  std::vector<core::OpPart>& region(std::map<int, std::vector<core::OpPart>>& cache, int edge,
                                    const std::vector<core::OpPart>& first, const std::vector<core::OpPart>& middle,
                                    const std::vector<core::OpPart>& last);
  // Sends run on their own stream; their buffers are freed once the next step has
  // posted its receive.
  void send_later(core::Tensor buffer, int peer, int tag);
  void flush_sends();
  void allocate_model_states();
  // After the pipeline: reduces what the overlapped buckets did not (everything when
  // they are off), runs the fixed step work (loss unscaling, gradient clipping), the
  // optimizer, and gathers the updated parameters unless they were gathered early.
  void reduce_gradients_and_step();
  void release_model_states();

  // Overlapped gradient reduction and parameter gathering (MegatronPlan::step): one
  // bucket's reduce-scatter (distributed optimizer) or all-reduce of its gradients in
  // the reduction dtype, and one bucket's all-gather of bf16 parameters, on the
  // collective stream. Both do nothing when the gradient group has one member.
  void reduce_bucket(const std::string& name, std::int64_t params);
  core::Completion gather_bucket(const std::string& name, std::int64_t params);
  bool sharded_optimizer() const;

  const MegatronPlan& p_;
  core::Runtime& rt_;
  core::RankCoord coord_;
  int stage_ = 0;
  int layers_per_region_ = 0;
  std::int64_t params_ = 0;
  core::Completion last_compute_;

 private:
  bool tied_copy() const;
  core::CommGroup gradient_group_of_rank() const;
  // A bucket (or whole buffer) of `of`, as the collective sees it: same buffer, the
  // given parameter count and dtype.
  static core::Tensor view(const core::Tensor& of, const std::string& name, std::int64_t params, core::DType dtype);
  void launch_fixed_step_work();

  core::Tensor weights_;
  core::Tensor grads_;
  core::Tensor embedding_grads_;
  core::Tensor optimizer_;
  std::vector<core::Completion> bucket_reductions_;
  bool buckets_reduced_ = false;
  bool params_gathered_early_ = false;
  core::KernelOp scratch_;
  std::map<std::pair<std::vector<std::int64_t>, std::int64_t>, ShapeWork> shapes_;
  // The KernelOp::parts_id of every parts list of shapes_ and of the region caches
  // (lists never changed once built, at addresses that live as long as this rank); lists
  // not in it (the step's, built per call) launch without an id.
  std::unordered_map<const std::vector<core::OpPart>*, std::uint64_t> parts_ids_;
  std::vector<std::pair<core::Completion, core::Tensor>> pending_sends_;
};

}  // namespace lcperf::schedulers::training

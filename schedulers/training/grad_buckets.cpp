#include "schedulers/training/grad_buckets.hpp"

#include <numeric>

#include "core/layer_ops.hpp"

namespace lcperf::schedulers::training {

std::vector<GradBucket> make_grad_buckets(const std::vector<std::int64_t>& unit_params, std::int64_t bucket_params) {
  std::vector<GradBucket> buckets;
  GradBucket open;
  bool any = false;
  for (std::size_t u = 0; u < unit_params.size(); ++u) {
    if (!any) {
      open = GradBucket{0, static_cast<int>(u), static_cast<int>(u)};
      any = true;
    }
    open.params += unit_params[u];
    open.last_unit = static_cast<int>(u);
    if (open.params >= bucket_params) {
      buckets.push_back(open);
      any = false;
    }
  }
  if (any) buckets.push_back(open);
  return buckets;
}

std::vector<std::int64_t> chunk_unit_params(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                                            int pp_stage, int layers_in_chunk, bool has_embedding, bool has_head,
                                            bool per_layer) {
  const std::int64_t layer = core::layer_params_on_rank(model, parallel);
  const std::int64_t stage_layers = static_cast<std::int64_t>(model.layers / parallel.pp) * layer;
  const std::int64_t embedding = core::local_dims(model, parallel, core::MicroBatchShape{{1}}).vocab * model.hidden;
  const std::int64_t stage_edges = core::params_on_rank(model, parallel, pp_stage) - stage_layers;
  // What the stage holds beyond its layers: the embedding on the first stage, the head
  // (final norm and LM head or its tied copy) on the last.
  const std::int64_t embedding_params = pp_stage == 0 ? embedding : 0;
  const std::int64_t head_params = stage_edges - embedding_params;
  std::vector<std::int64_t> units;
  if (has_embedding && embedding_params > 0) units.push_back(embedding_params);
  for (int l = 0; l < layers_in_chunk; ++l) units.push_back(layer);
  if (has_head && head_params > 0) units.push_back(head_params);
  if (!per_layer) {
    const std::int64_t total = std::accumulate(units.begin(), units.end(), std::int64_t{0});
    units.assign(1, total);
  }
  return units;
}

}  // namespace lcperf::schedulers::training

#include "schedulers/serving/prefix_plan.hpp"

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {

void validate_prefix_plan(const EnginePlan& plan, const std::string& where) {
  if (plan.remote_kv) {
    throw core::InputError(where + ": prefix caching runs with the instance's own KV cache (kv_policy local), not DistKV");
  }
  std::int64_t tokens = 0;
  for (const ServingRequest& r : plan.requests) {
    if (r.prefix_hashes.empty()) continue;
    if (r.prefix_block_tokens <= 0) {
      throw core::InputError(where + ": request " + std::to_string(r.id) + " has prefix hashes but no prefix block size");
    }
    if (tokens != 0 && r.prefix_block_tokens != tokens) {
      throw core::InputError(where + ": requests' prefix blocks differ in size (" + std::to_string(tokens) + " and " +
                             std::to_string(r.prefix_block_tokens) + " tokens)");
    }
    tokens = r.prefix_block_tokens;
  }
  if (tokens > 0 && tokens % plan.config.block_size_tokens != 0) {
    throw core::InputError(where + ": prefix blocks of " + std::to_string(tokens) +
                           " tokens are not a whole number of KV blocks of " +
                           std::to_string(plan.config.block_size_tokens) + " tokens (block_size_tokens must divide it)");
  }
}

}  // namespace lcperf::schedulers::serving

#include "runs/serving_prefix.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "traces/rng.hpp"

namespace lcperf::runs {

namespace serving = schedulers::serving;

namespace {

// Hash spaces of synthetic blocks: a system prompt's blocks, and a request's own blocks.
constexpr std::uint64_t kSharedTag = std::uint64_t{1} << 63;
constexpr std::uint64_t kOwnTag = std::uint64_t{1} << 62;
// Streams of the draws (traces::Rng): shared or not, and which system prompt.
constexpr std::uint64_t kSyntheticPrefixStream = 0x5052454649ULL;  // "PREFI"

std::string origin_of(const core::Scenario& s) { return s.source_path.empty() ? s.name : s.source_path; }

void add_synthetic(const core::Scenario& s, serving::ServingRequest& r) {
  const core::PrefixCacheSpec& c = s.serving.prefix_cache;
  const std::int64_t b = s.serving.block_size_tokens;
  traces::Rng rng(s.seed ^ traces::mix64(static_cast<std::uint64_t>(r.id)), kSyntheticPrefixStream);
  // A uniform point of [0, 1) on a 2^53 grid, below the fraction = shared.
  const bool shared = static_cast<double>(rng.bits53()) < c.synthetic_shared_fraction * 9007199254740992.0;
  const std::uint64_t prompt_id = rng.below(static_cast<std::uint64_t>(c.synthetic_prefixes));
  const std::int64_t blocks = (r.prompt_tokens + b - 1) / b;
  const std::int64_t shared_blocks = shared ? std::min(c.synthetic_prefix_tokens, r.prompt_tokens) / b : 0;
  r.prefix_block_tokens = b;
  r.prefix_hashes.resize(static_cast<std::size_t>(blocks));
  for (std::int64_t i = 0; i < blocks; ++i) {
    r.prefix_hashes[static_cast<std::size_t>(i)] =
        i < shared_blocks ? kSharedTag | (prompt_id << 32) | static_cast<std::uint64_t>(i)
                          : kOwnTag | (static_cast<std::uint64_t>(r.id) << 24) | static_cast<std::uint64_t>(i);
  }
}

}  // namespace

bool serving_uses_prefixes(const core::Scenario& s) {
  return s.serving.prefix_cache.enabled || s.serving.routing == core::RoutingPolicy::prefix_aware;
}

void prepare_prefix_requests(const core::Scenario& s, std::vector<serving::ServingRequest>& requests) {
  const core::PrefixCacheSpec& c = s.serving.prefix_cache;
  if (!serving_uses_prefixes(s)) return;
  if (c.enabled && s.serving.kv_policy != core::KvPolicy::local) {
    throw core::InputError(origin_of(s) + ": $.serving.prefix_cache.enabled: prefix caching runs with kv_policy "
                           "\"local\" (DistKV spreads the KV over instances)");
  }
  if (c.synthetic_prefix_tokens > 0) {
    for (serving::ServingRequest& r : requests) {
      if (r.prefix_hashes.empty()) add_synthetic(s, r);
    }
  }
  for (const serving::ServingRequest& r : requests) {
    if (r.prefix_hashes.empty() || r.prefix_block_tokens % s.serving.block_size_tokens == 0) continue;
    throw core::InputError(origin_of(s) + ": $.serving.block_size_tokens: " +
                           std::to_string(s.serving.block_size_tokens) + "-token KV blocks do not divide the trace's " +
                           std::to_string(r.prefix_block_tokens) +
                           "-token prefix blocks (request " + std::to_string(r.id) + "); prefix caching needs a divisor");
  }
}

nlohmann::ordered_json prefix_cache_json(const std::vector<serving::EngineCounters>& instances,
                                         const std::vector<serving::RequestMetrics>& requests) {
  serving::PrefixCacheStats t;
  for (const serving::EngineCounters& c : instances) {
    const serving::PrefixCacheStats& p = c.prefix;
    t.admissions += p.admissions;
    t.prompt_blocks += p.prompt_blocks;
    t.hit_blocks += p.hit_blocks;
    t.prompt_tokens += p.prompt_tokens;
    t.hit_tokens += p.hit_tokens;
    t.entries_created += p.entries_created;
    t.evictions += p.evictions;
    t.flushed += p.flushed;
  }
  std::int64_t most = 0;
  std::int64_t sum = 0;
  std::int64_t with_hit = 0;
  for (const serving::RequestMetrics& m : requests) {
    most = std::max(most, m.cached_tokens);
    sum += m.cached_tokens;
    with_hit += m.cached_tokens > 0 ? 1 : 0;
  }
  auto ratio = [](std::int64_t a, std::int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  nlohmann::ordered_json j;
  j["admissions"] = t.admissions;
  j["prompt_blocks"] = t.prompt_blocks;
  j["hit_blocks"] = t.hit_blocks;
  j["block_hit_rate"] = ratio(t.hit_blocks, t.prompt_blocks);
  j["prompt_tokens"] = t.prompt_tokens;
  j["hit_tokens"] = t.hit_tokens;
  j["token_hit_rate"] = ratio(t.hit_tokens, t.prompt_tokens);
  j["prefill_tokens_saved"] = t.hit_tokens;
  j["entries_created"] = t.entries_created;
  j["evictions"] = t.evictions;
  j["entries_at_end"] = t.flushed;
  j["requests_with_hit"] = with_hit;
  j["cached_tokens_per_request"] = {{"mean", requests.empty() ? 0.0 : static_cast<double>(sum) / requests.size()},
                                    {"max", most}};
  return j;
}

nlohmann::ordered_json precision_json(const core::ServingPrecision& p) {
  nlohmann::ordered_json j;
  j["weights"] = core::to_string(p.weights);
  j["activations"] = core::to_string(p.activations);
  j["kv_cache"] = core::to_string(p.kv_cache);
  j["fp8_activations_fell_back"] = p.fell_back;
  return j;
}

}  // namespace lcperf::runs

#pragma once
// A serving request as a trace gives it, and where it stands inside an engine.
#include <cstdint>
#include <string>
#include <vector>

namespace lcperf::schedulers::serving {

struct ServingRequest {
  std::int64_t id = 0;
  double arrival_s = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;  // tokens to generate, the first one sampled by the prefill
  // Prefix blocks of prefix_block_tokens tokens each (Mooncake hash_ids, or a synthetic
  // shared prefix): equal hashes at the head of two prompts = the same KV, reusable by
  // the prefix cache (prefix_cache.hpp). Empty = nothing known to be shared.
  std::vector<std::uint64_t> prefix_hashes{};
  std::int64_t prefix_block_tokens = 0;
  bool operator==(const ServingRequest&) const = default;
};

// Throws InputError on a request with no prompt, no output, a negative or non-finite
// arrival, or an id used twice; `where` prefixes the message.
void validate_requests(const std::vector<ServingRequest>& requests, const std::string& where);

// Indices of `requests` in the order an engine (or router) meets them: by arrival, ties
// by id, then by position, so the order never depends on the sort's stability.
std::vector<std::size_t> arrival_order(const std::vector<ServingRequest>& requests);

// "r<id>", how logs name a request.
std::string request_name(std::int64_t id);

enum class Phase { pending, waiting, running, swapped, finished, rejected };

// Token accounting of one request. Its sequence holds prompt + generated tokens; the KV
// cache holds the first `computed` of them. A prefill runs until computed reaches
// prefill_target, then samples a token; after that every step is one decode (the last
// sampled token in, the next one out), so computed == tokens() - 1 while decoding.
struct RequestState {
  ServingRequest request;
  Phase phase = Phase::pending;
  std::int64_t generated = 0;
  std::int64_t computed = 0;
  std::int64_t prefill_target = 0;
  int preemptions = 0;
  // Part of a batch whose result has not come back yet (pipeline parallelism keeps up to
  // pp batches in flight; a request is in at most one of them).
  bool in_flight = false;
  // Prefix caching: the cache entries (one per full prefix block) the request holds, the
  // tokens of its KV that live in them, and the prompt tokens its first admission found
  // cached (-1 before it was admitted).
  std::vector<int> prefix_entries;
  std::int64_t cache_tokens = 0;
  std::int64_t first_cached_tokens = -1;
  // Disaggregated decode: its blocks are reserved and its KV is still on its way from
  // the prefill instance; it is neither scheduled nor preempted until it arrives.
  bool awaiting_kv = false;

  explicit RequestState(const ServingRequest& r) : request(r), prefill_target(r.prompt_tokens) {}

  std::int64_t tokens() const { return request.prompt_tokens + generated; }
  bool prefilling() const { return computed < prefill_target; }
  std::int64_t remaining_prefill() const { return prefill_target - computed; }
  bool done() const { return generated >= request.output_tokens; }
  // Most tokens the request's KV ever holds: the last decode writes the KV of the
  // second-to-last output token.
  std::int64_t peak_tokens() const { return request.prompt_tokens + request.output_tokens - 1; }

  // Recompute preemption: the cache is dropped and everything known so far (prompt and
  // generated tokens) is prefilled again before the next token is sampled.
  void restart_for_recompute() {
    computed = 0;
    prefill_target = tokens();
  }
};

}  // namespace lcperf::schedulers::serving

#pragma once
// The workload DistKV-LLM is built for: many short requests (a real serving trace,
// replayed as is) plus a few long ones whose context grows to hundreds of thousands or
// millions of tokens, either through a long prompt (document QA, summarisation) or a
// long generation. Deterministic for a seed: the generator's own integer PRNG
// (splitmix64), one stream per drawn quantity, so adding a long request does not shift
// the others' draws.
//
// The short requests come from the caller (the CLI reads them with traces/, which
// schedulers/ does not link); their ids, arrivals and lengths are kept. Long requests get
// ids after the largest short id.
#include <cstdint>
#include <string>
#include <vector>

#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving::distkv {

struct LongRequestMix {
  std::uint64_t seed = 1;
  std::int64_t count = 4;  // long requests added
  // Total context (prompt + output) of a long request: log-uniform in [min, max].
  std::int64_t min_context_tokens = 200'000;
  std::int64_t max_context_tokens = 2'000'000;
  // Share of long requests whose context grows by generation (short prompt, the rest
  // generated); the others have a long prompt and a short output. The number of
  // generation requests is round(count * generation_share), exactly.
  double generation_share = 0.25;
  std::int64_t short_output_min_tokens = 128;  // output of a long-prompt request, uniform
  std::int64_t short_output_max_tokens = 1024;
  std::int64_t short_prompt_min_tokens = 512;  // prompt of a long-generation request, uniform
  std::int64_t short_prompt_max_tokens = 8192;
  // Arrivals uniform in [0, arrival_window_s); 0 = the short trace's span (first to last arrival).
  double arrival_window_s = 0;
};

// Throws core::InputError naming `where` and the field for counts or ranges that make no
// sense (negative count, min > max, a context smaller than its short part, a share
// outside [0, 1], a negative window).
void validate(const LongRequestMix& mix, const std::string& where);

enum class LongKind { long_prompt, long_generation };

struct LongRequestInfo {
  std::int64_t id = 0;
  LongKind kind = LongKind::long_prompt;
  std::int64_t context_tokens = 0;  // prompt + output
};

struct LongContextWorkload {
  std::vector<ServingRequest> requests;  // short and long, by arrival (ties: by id)
  std::vector<LongRequestInfo> long_requests;  // in id order
  std::int64_t short_requests = 0;
};

// `short_requests` must be valid (validate_requests) and non-empty.
LongContextWorkload make_long_context_workload(const std::vector<ServingRequest>& short_requests,
                                               const LongRequestMix& mix, const std::string& where);

}  // namespace lcperf::schedulers::serving::distkv

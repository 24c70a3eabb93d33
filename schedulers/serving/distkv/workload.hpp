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

#include "core/long_request_mix.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving::distkv {

// The mix is the scenario's own type (core/long_request_mix.hpp): the CLI hands
// `workload.long_requests` over as it was parsed.
using LongRequestMix = core::LongRequestMix;

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

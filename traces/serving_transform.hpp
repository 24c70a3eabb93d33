#pragma once
// Reshaping a serving trace for a what-if replay: stretch or compress time, replay at
// another request rate, or cut out a prefix or a time window. Each returns a new trace
// (the request order, ids, lengths and prefix hashes are untouched) and throws
// std::invalid_argument for arguments outside the stated ranges (callers validate user
// input first and report it as an InputError).
#include <cstdint>

#include "traces/serving_trace.hpp"

namespace lcperf::traces {

// Every arrival times `factor` (finite, > 0): 2 doubles every gap (half the load), 0.5
// halves them. Scaling is about time 0, so a trace starting at 0 still does.
ServingTrace scale_time(const ServingTrace& trace, double factor);

// scale_time by serving_stats(trace).rate_per_s / target_rate_per_s, so the result's
// rate_per_s ((n - 1) / span) is the target: the burst structure is kept, only
// stretched. Needs at least two requests spanning a positive time.
ServingTrace scale_to_rate(const ServingTrace& trace, double target_rate_per_s);

// The first `count` (>= 0) requests in arrival order (all of them when fewer).
ServingTrace truncate_to_count(const ServingTrace& trace, std::int64_t count);

// Requests arriving in [begin_s, end_s) (finite, begin_s <= end_s), shifted by -begin_s
// so the window starts at time 0: replaying hour 3 of a trace starts at once.
ServingTrace truncate_to_window(const ServingTrace& trace, double begin_s, double end_s);

}  // namespace lcperf::traces

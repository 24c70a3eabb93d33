#include "schedulers/serving/distkv/workload.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving::distkv {

namespace {

// Counter-based draws: the value for (seed, stream, index) is a splitmix64 mix of the
// three, so every draw is independent of how many others were made before it.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

enum Stream : std::uint64_t { kKindOrder = 1, kContext = 2, kShortPart = 3, kArrival = 4 };

// Uniform in [0, 1) on a grid of 2^-53.
double uniform(std::uint64_t seed, Stream stream, std::int64_t index) {
  const std::uint64_t bits = mix64(mix64(seed ^ mix64(stream)) + static_cast<std::uint64_t>(index));
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Uniform integer in [lo, hi].
std::int64_t uniform_int(std::uint64_t seed, Stream stream, std::int64_t index, std::int64_t lo, std::int64_t hi) {
  const auto span = static_cast<double>(hi - lo + 1);
  return std::min(hi, lo + static_cast<std::int64_t>(std::floor(uniform(seed, stream, index) * span)));
}

void require(bool ok, const std::string& where, const std::string& field, const std::string& rule) {
  if (!ok) throw core::InputError(where + ": " + field + " " + rule);
}

}  // namespace

void validate(const LongRequestMix& m, const std::string& where) {
  require(m.count >= 0, where, "count", "must be >= 0");
  require(m.min_context_tokens >= 1, where, "min_context_tokens", "must be >= 1");
  require(m.max_context_tokens >= m.min_context_tokens, where, "max_context_tokens", "must be >= min_context_tokens");
  require(m.generation_share >= 0.0 && m.generation_share <= 1.0, where, "generation_share", "must be in [0, 1]");
  require(m.short_output_min_tokens >= 1 && m.short_output_max_tokens >= m.short_output_min_tokens, where,
          "short_output_min_tokens/short_output_max_tokens", "must satisfy 1 <= min <= max");
  require(m.short_prompt_min_tokens >= 1 && m.short_prompt_max_tokens >= m.short_prompt_min_tokens, where,
          "short_prompt_min_tokens/short_prompt_max_tokens", "must satisfy 1 <= min <= max");
  require(m.min_context_tokens > m.short_output_max_tokens && m.min_context_tokens > m.short_prompt_max_tokens, where,
          "min_context_tokens", "must exceed short_output_max_tokens and short_prompt_max_tokens (the long part needs a token)");
  require(std::isfinite(m.arrival_window_s) && m.arrival_window_s >= 0, where, "arrival_window_s",
          "must be finite and >= 0");
}

LongContextWorkload make_long_context_workload(const std::vector<ServingRequest>& short_requests,
                                               const LongRequestMix& m, const std::string& where) {
  validate(m, where);
  if (short_requests.empty()) throw core::InputError(where + ": the short-request trace is empty");
  validate_requests(short_requests, where);

  LongContextWorkload w;
  w.requests = short_requests;
  w.short_requests = static_cast<std::int64_t>(short_requests.size());
  std::int64_t next_id = 0;
  double first_s = short_requests.front().arrival_s;
  double last_s = first_s;
  for (const ServingRequest& r : short_requests) {
    next_id = std::max(next_id, r.id + 1);
    first_s = std::min(first_s, r.arrival_s);
    last_s = std::max(last_s, r.arrival_s);
  }
  const double window_s = m.arrival_window_s > 0 ? m.arrival_window_s : last_s - first_s;
  const double window_start_s = m.arrival_window_s > 0 ? 0.0 : first_s;

  // Exactly round(count * share) generation requests, chosen by a seeded random order.
  const auto generations = static_cast<std::int64_t>(std::llround(static_cast<double>(m.count) * m.generation_share));
  std::vector<std::int64_t> order(static_cast<std::size_t>(m.count));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::vector<double> key(order.size());
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = uniform(m.seed, kKindOrder, static_cast<std::int64_t>(i));
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const double ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
    return ka != kb ? ka < kb : a < b;
  });
  std::vector<bool> generates(order.size(), false);
  for (std::int64_t i = 0; i < generations; ++i) generates[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = true;

  const double log_min = std::log(static_cast<double>(m.min_context_tokens));
  const double log_max = std::log(static_cast<double>(m.max_context_tokens));
  for (std::int64_t k = 0; k < m.count; ++k) {
    LongRequestInfo info;
    info.id = next_id + k;
    info.kind = generates[static_cast<std::size_t>(k)] ? LongKind::long_generation : LongKind::long_prompt;
    const double u = uniform(m.seed, kContext, k);
    info.context_tokens = std::clamp<std::int64_t>(std::llround(std::exp(log_min + u * (log_max - log_min))),
                                                   m.min_context_tokens, m.max_context_tokens);
    ServingRequest r;
    r.id = info.id;
    r.arrival_s = window_start_s + uniform(m.seed, kArrival, k) * window_s;
    if (info.kind == LongKind::long_prompt) {
      r.output_tokens = uniform_int(m.seed, kShortPart, k, m.short_output_min_tokens, m.short_output_max_tokens);
      r.prompt_tokens = info.context_tokens - r.output_tokens;
    } else {
      r.prompt_tokens = uniform_int(m.seed, kShortPart, k, m.short_prompt_min_tokens, m.short_prompt_max_tokens);
      r.output_tokens = info.context_tokens - r.prompt_tokens;
    }
    w.requests.push_back(r);
    w.long_requests.push_back(info);
  }
  std::stable_sort(w.requests.begin(), w.requests.end(), [](const ServingRequest& a, const ServingRequest& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  });
  return w;
}

}  // namespace lcperf::schedulers::serving::distkv

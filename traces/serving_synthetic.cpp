#include "traces/serving_synthetic.hpp"

#include <cmath>
#include <stdexcept>

#include "traces/length_bin.hpp"
#include "traces/random_variates.hpp"
#include "traces/text_format.hpp"

namespace lcperf::traces {
namespace {

bool positive_finite(double value) { return value > 0.0 && std::isfinite(value); }

void validate(const SyntheticTraceSpec& spec) {
  if (!positive_finite(spec.rate_per_s)) throw std::invalid_argument("synthetic trace: rate_per_s must be positive and finite");
  if (spec.process == ArrivalProcess::gamma && !positive_finite(spec.cv)) {
    throw std::invalid_argument("synthetic trace: cv must be positive and finite");
  }
  if (spec.count < 0) throw std::invalid_argument("synthetic trace: count must not be negative");
  if (!(spec.duration_s >= 0.0) || !std::isfinite(spec.duration_s)) {
    throw std::invalid_argument("synthetic trace: duration_s must be non-negative and finite");
  }
  if (spec.count == 0 && spec.duration_s == 0.0) throw std::invalid_argument("synthetic trace: set count, duration_s or both");
}

// One inter-arrival gap with mean 1/rate.
double next_gap(const SyntheticTraceSpec& spec, Rng& rng) {
  const double mean = 1.0 / spec.rate_per_s;
  if (spec.process == ArrivalProcess::poisson) return exponential(rng, mean);
  // Gamma with CV c has shape 1/c^2; the scale then sets the mean.
  const double shape = 1.0 / (spec.cv * spec.cv);
  return gamma_variate(rng, shape, mean / shape);
}

std::string describe(const SyntheticTraceSpec& spec) {
  std::string text = spec.process == ArrivalProcess::poisson ? "poisson" : "gamma cv=" + shortest_text(spec.cv);
  text += " rate=" + shortest_text(spec.rate_per_s) + "/s";
  if (spec.count > 0) text += " count=" + std::to_string(spec.count);
  if (spec.duration_s > 0.0) text += " duration=" + shortest_text(spec.duration_s) + "s";
  text += " prompt=" + spec.prompt.describe() + " output=" + spec.output.describe() + " seed=" + std::to_string(spec.seed);
  return text;
}

}  // namespace

TokenLengths TokenLengths::fixed(std::int64_t tokens) {
  if (tokens < 1 || tokens > kMaxSequenceLength) throw std::invalid_argument("TokenLengths::fixed: tokens must be in [1, 2^40]");
  TokenLengths lengths;
  lengths.fixed_ = tokens;
  return lengths;
}

TokenLengths TokenLengths::drawn_from(const LengthDistribution& distribution) {
  TokenLengths lengths;
  lengths.distribution_ = std::make_shared<const LengthDistribution>(distribution);
  return lengths;
}

std::int64_t TokenLengths::draw(Rng& rng) const { return distribution_ ? distribution_->draw(rng) : fixed_; }

std::string TokenLengths::describe() const {
  return distribution_ ? "dist(" + distribution_->info().name + ")" : std::to_string(fixed_);
}

ServingTrace generate_synthetic_trace(const SyntheticTraceSpec& spec) {
  validate(spec);
  Rng arrivals(spec.seed, kArrivalStream);
  Rng prompts(spec.seed, kPromptStream);
  Rng outputs(spec.seed, kOutputStream);
  ServingTrace trace;
  trace.name = spec.name;
  trace.source = describe(spec);
  trace.format = "synthetic";
  double now = 0.0;
  for (std::int64_t id = 0; spec.count == 0 || id < spec.count; ++id) {
    now += next_gap(spec, arrivals);
    if (spec.duration_s > 0.0 && now >= spec.duration_s) break;
    ServingRequest request;
    request.id = id;
    request.arrival_s = now;
    request.prompt_tokens = spec.prompt.draw(prompts);
    request.output_tokens = spec.output.draw(outputs);
    trace.requests.push_back(std::move(request));
  }
  return trace;
}

}  // namespace lcperf::traces

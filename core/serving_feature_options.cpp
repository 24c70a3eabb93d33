// serving.prefix_cache, serving.precision and serving.slo; see serving_feature_options.hpp.
#include "core/serving_feature_options.hpp"

#include "core/errors.hpp"

namespace lcperf::core {

PrefixCacheSpec parse_prefix_cache(ObjectReader r) {
  PrefixCacheSpec c;
  c.enabled = r.boolean_or("enabled", c.enabled);
  c.synthetic_prefix_tokens =
      r.integer_or("synthetic_prefix_tokens", c.synthetic_prefix_tokens, Range::non_negative().at_most(1 << 24));
  c.synthetic_shared_fraction =
      r.number_or("synthetic_shared_fraction", c.synthetic_shared_fraction, Range::between(0.0, 1.0));
  c.synthetic_prefixes = r.int32_or("synthetic_prefixes", c.synthetic_prefixes, Range::positive().at_most(1 << 20));
  c.route_imbalance = r.number_or("route_imbalance", c.route_imbalance, Range::at_least(1.0).at_most(1e6));
  r.finish();
  return c;
}

ServingPrecisionSpec parse_serving_precision(ObjectReader r) {
  ServingPrecisionSpec p;
  p.weights = r.choice_or("weights", p.weights, {"model", "bf16", "fp16", "fp8"});
  p.activations = r.choice_or("activations", p.activations, {"model", "bf16", "fp16", "fp8"});
  p.kv_cache = r.choice_or("kv_cache", p.kv_cache, {"model", "bf16", "fp16", "fp8"});
  p.strict = r.boolean_or("strict", p.strict);
  r.finish();
  return p;
}

ServingSlo parse_serving_slo(ObjectReader r) {
  ServingSlo slo;
  // Read only when present: an absent bound is no bound, not a default number.
  const Range seconds = Range::positive().at_most(1e8);
  if (r.has("ttft_s")) slo.ttft_s = r.number("ttft_s", seconds);
  if (r.has("tpot_s")) slo.tpot_s = r.number("tpot_s", seconds);
  if (r.has("e2e_s")) slo.e2e_s = r.number("e2e_s", seconds);
  r.finish();
  if (!slo.any()) throw InputError(r.origin() + ": " + r.path() + ": give at least one of ttft_s, tpot_s, e2e_s");
  return slo;
}

}  // namespace lcperf::core

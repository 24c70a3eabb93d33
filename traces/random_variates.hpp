#pragma once
// Continuous random variates for synthetic arrival processes, drawn from traces::Rng.
//
// std::*_distribution is not used: its algorithms differ between standard libraries,
// so the same seed would give different traces on different platforms. These samplers
// are fixed here. They call std::log, std::sqrt, std::cos and std::pow: sqrt is exactly rounded
// by IEEE 754, while log, cos and pow are not required to be, so results are bit-identical
// across runs and machines with the same libm (glibc on x86-64 for the golden values in
// the tests) and may differ in the last bits elsewhere; tests compare those goldens to a
// relative 1e-12.
#include "traces/rng.hpp"

namespace lcperf::traces {

// Uniform in the open interval (0, 1): the 53-bit grid shifted by half a step, so log()
// of it is always finite.
double uniform_open01(Rng& rng);

// Standard normal by the Box–Muller transform (cosine branch; the sine partner is
// discarded so a draw depends on no hidden state and always consumes two uniforms).
double standard_normal(Rng& rng);

// Exponential with the given mean (> 0), by inversion: -mean * log(U).
double exponential(Rng& rng, double mean);

// Gamma with shape k > 0 and scale theta > 0 (mean k*theta, CV 1/sqrt(k)).
// k >= 1: Marsaglia and Tsang's squeeze-and-reject method (2000). k < 1: draw with
// shape k + 1 and multiply by U^(1/k), their boosting identity. std::invalid_argument
// for non-positive or non-finite parameters.
double gamma_variate(Rng& rng, double shape, double scale);

}  // namespace lcperf::traces

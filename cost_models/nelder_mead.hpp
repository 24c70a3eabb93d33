#pragma once
// Derivative-free minimisation (Nelder-Mead simplex with the standard reflection,
// expansion, contraction and shrink steps). For fits whose objective has steps in it,
// like the GEMM tile model's (wave counts are integers), where gradients say nothing.
// Deterministic: the same start gives the same answer.
#include <functional>
#include <vector>

namespace lcperf::cost {

struct SimplexResult {
  std::vector<double> x;
  double value = 0;
};

// Minimises f from x0; the first simplex steps step[i] along axis i. Stops after
// `iterations` steps or when the simplex's values agree within `tolerance`.
SimplexResult nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                          const std::vector<double>& step, int iterations, double tolerance = 1e-10);

}  // namespace lcperf::cost

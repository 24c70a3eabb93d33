#pragma once
// An efficiency curve: the achieved fraction of a peak (FLOP/s or HBM bytes/s) as a
// function of a size variable. Kernels reach their plateau only once they are big
// enough to fill every SM and hide their prologue, so a single constant would be wrong
// at one end or the other.
#include <optional>
#include <string_view>
#include <vector>

namespace lcperf::cost {

// What a curve is indexed by. Which variables each op class accepts is in README.md.
enum class SizeVariable {
  flops,        // FLOPs of the whole op
  bytes,        // HBM bytes of the whole op
  min_dim,      // min(m, n, k) of a GEMM / SpMM
  kv_len,       // kv length of each attention sequence (efficiency applied per sequence)
  score_pairs,  // unmasked (query, key) pairs of the whole attention call
};

std::string_view to_string(SizeVariable variable);
std::optional<SizeVariable> parse_size_variable(std::string_view text);

struct CurvePoint {
  double size = 0;
  double efficiency = 0;
};

// Piecewise-linear in log2(size) between points and flat beyond the first and last one:
// a curve makes no claim outside the sizes it was fitted on.
struct EfficiencyCurve {
  SizeVariable variable = SizeVariable::flops;
  std::vector<CurvePoint> points;  // sizes > 0 strictly increasing, efficiencies in (0, 1]

  double at(double size) const;
  static EfficiencyCurve constant(SizeVariable variable, double efficiency);
};

}  // namespace lcperf::cost

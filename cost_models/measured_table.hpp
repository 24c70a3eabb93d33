#pragma once
// Lookup in a device profile's measured points for one op class.
//
// Each measured point is stored as its slowdown against the nominal roofline
// (time / ideal_time_s). A query is matched against points of the same family (dtype;
// for attention also mask and head dim; for element-wise also the kind), located on a
// 1-D size key (FLOPs for compute-bound classes, bytes for memory-bound ones), and gets
// the slowdown interpolated linearly in (log2 key, log slowdown) between the nearest
// measured keys, times its own ideal time. A backward element-wise kind without points
// uses its forward kind's (forward_family). A query at a measured shape gets exactly the
// measured time. Outside the measured key range there is no answer: the caller falls
// back to the efficiency-curve roofline rather than extrapolate a table.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/hardware_spec.hpp"
#include "core/ops.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_class.hpp"

namespace lcperf::cost {

struct TableLookup {
  double time_s = 0;
  bool exact = false;  // the query's key and ideal time equal a measured point's
};

class MeasuredTable {
 public:
  MeasuredTable() = default;
  MeasuredTable(OpClass op_class, const std::vector<MeasuredPoint>& points, const core::HardwareSpec& hw);

  std::optional<TableLookup> lookup(const core::OpPart& part) const;
  bool empty() const { return families_.empty(); }

 private:
  struct Entry {
    double log2_key = 0;
    double log_slowdown = 0;
    double ideal_s = 0;
  };
  const Entry& closest_in_group(std::size_t first, std::size_t last, const std::vector<Entry>& entries,
                                double ideal_s) const;

  OpClass op_class_ = OpClass::gemm;
  core::HardwareSpec hw_;
  std::map<std::string, std::vector<Entry>> families_;  // entries sorted by key
};

// The family a part belongs to, and its size key (both exposed for tests and reports).
std::string table_family(const core::OpPart& part);
// The family an element-wise kind falls back to when it has no points of its own: a
// backward kind its forward kind's ("rmsnorm_bwd" -> "rmsnorm"), and LayerNorm (forward
// and backward) the measured RMSNorm's, the same rows read and written with one more
// reduction ("" for any other kind). The measured
// tables hold forward kernels only, and a backward kernel of the same kind streams its
// (larger) bytes at least as slowly per byte as its forward does: it reads what the
// forward read plus the incoming gradient and does the same per-element work and more
// (a norm's backward also reduces the weight's gradient over the tokens). Without the
// fallback these kernels took the class curve, the residual add's rate, which priced a
// norm's backward at half its forward's time (31 vs 56 us for 4096 x 4096 on the H100).
std::string forward_family(const std::string& family);
double table_key(OpClass op_class, const core::OpPart& part);

}  // namespace lcperf::cost

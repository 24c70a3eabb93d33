#pragma once
// What pricing an op yields: its time on one device and the work it does. The time is
// the cost model's answer; FLOPs and bytes are counted exactly, for the simulator's
// timeline records beside the time.
#include "core/ops.hpp"

namespace lcperf::cost {

struct Price {
  double time_s = 0;
  double flops = 0;  // core::flops_of
  double bytes = 0;  // core::bytes_of

  Price& operator+=(const Price& other) {
    time_s += other.time_s;
    flops += other.flops;
    bytes += other.bytes;
    return *this;
  }
};

// `time_s` from a pricing function, with the exact work of what it priced.
inline Price priced(const core::KernelOp& op, double time_s) {
  return Price{time_s, core::flops_of(op), core::bytes_of(op)};
}
inline Price priced(const core::OpPart& part, double time_s) {
  return Price{time_s, core::flops_of(part), core::bytes_of(part)};
}

}  // namespace lcperf::cost

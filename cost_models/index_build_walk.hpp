#pragma once
// Time of the vertical-slash index building (core::kSparseIndexBuildKind parts) as what
// it is: a latency-bound serial walk. One GPU thread per (head, 64-row query block)
// walks that block's slash and vertical lists in order (merging slash ranges, dropping
// verticals inside tiles), one dependent step per list entry; the loop's branch depends
// on the entry just loaded, so each step waits for its load. The lists are shared by
// every query block of a head, so the loads hit L1: a step costs about one L1 load-to-use
// latency (~33 cycles on Ampere and Hopper) plus a few dependent integer instructions,
// kIndexStepCycles in all. The walks run in parallel over the SMs, kWalkThreadsPerSm
// resident each (64-thread blocks, 2048 threads per SM), so the kernel takes
// waves x steps x kIndexStepCycles cycles, against which the memory-bound price of its
// bytes is only a floor.
//
// The part carries one element per walk and 2 FLOPs and 8 bytes per step (read one 4-byte
// index, write at most one 4-byte entry), so steps per walk = flops_per_element / 2.
#include "core/ops.hpp"
#include "core/qwen1m_attention.hpp"

namespace lcperf::cost {

inline constexpr double kIndexStepCycles = 40;
inline constexpr double kWalkThreadsPerSm = 2048;

// Seconds of the serial walk on `sm_count` SMs at `clock_hz`; 0 when either is unknown
// or the part is not an index building.
double index_build_walk_s(const core::ElementwiseShape& e, int sm_count, double clock_hz);

}  // namespace lcperf::cost

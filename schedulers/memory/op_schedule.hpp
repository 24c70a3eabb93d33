#pragma once
// Memory-aware op scheduling over symbolic sizes (BladeDISC++ §1, in forward form).
//
// A list scheduler: among the ready ops (all inputs produced) it runs the one whose net
// memory effect (bytes its outputs allocate minus bytes it frees as the last reader,
// minus outputs nobody reads) is smallest, so memory-increasing ops land as late as the
// data dependencies allow. Deltas are compared with compare(); when it cannot decide, the
// deltas are compared at the box's upper corner (the size hint), then program order wins.
//
// Greedy choices can raise the peak for some shapes, so the scheduled order is accepted
// only when proves_max_le() shows its symbolic peak is <= program order's at every point
// of the box; otherwise the result is program order. The guarantee is unconditional.
#include <vector>

#include "schedulers/memory/op_graph.hpp"
#include "schedulers/memory/peak_memory.hpp"

namespace lcperf::schedulers::memory {

struct ScheduleStats {
  int decisions = 0;          // ready-set choices with more than one candidate
  int unknown_compares = 0;   // pairwise comparisons settled by the size hint
};

// The list scheduler alone (always a valid topological order).
std::vector<OpId> list_schedule(const OpGraph& graph, const Box& box, const CompareOptions& options = {},
                                ScheduleStats* stats = nullptr);

struct ScheduleResult {
  std::vector<OpId> order;      // the accepted order
  std::vector<OpId> candidate;  // what the list scheduler proposed
  bool accepted = false;        // candidate proven no worse than program order over the box
  SymbolicPeak peak;            // of `order`
  SymbolicPeak program_peak;    // of program order
  ScheduleStats stats;
};

ScheduleResult schedule_for_memory(const OpGraph& graph, const Box& box, const CompareOptions& options = {});

}  // namespace lcperf::schedulers::memory

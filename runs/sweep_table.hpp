#pragma once
// The sweep's terminal table: one row per configuration with a header and units,
//
//    #  est./sim.  iter (s)  tokens/s  MFU (%)  peak mem (GiB)  strategy  tp  pp  chunk_size  k  ...
//    1  sim.         2.84     23070     41.2        61.3        chunkflow   2   1        8192  2
//    2  est.         2.90     22600     40.3       ≥58.0        megatron    4   1           —  —
//
// "sim." rows are simulated, "est." rows carry the analytic estimate alone (their memory
// is its lower bound, hence "≥"); an axis the row's strategy does not read is "—".
// The objective's metric is a column even when it is none of the four shown always.
#include <cstddef>
#include <string>
#include <vector>

#include "core/scenario_options.hpp"
#include "runs/sweep_results.hpp"
#include "runs/sweep_spec.hpp"

namespace lcperf::runs {

// `rows` with their ranks (1-based) in `ranks`; `base_strategy`: the strategy of rows
// whose key does not name one. Ends in '\n'.
std::string results_table(const SweepSpec& spec, const std::vector<const SweepResult*>& rows,
                          const std::vector<std::size_t>& ranks, core::Strategy base_strategy);

// A metric's column header with its unit ("tokens/s", "MFU (%)", ...).
std::string metric_header(const std::string& metric);

}  // namespace lcperf::runs

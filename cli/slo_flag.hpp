#pragma once
// `--slo ttft=0.5,tpot=0.05[,e2e=10]` of simulate (serving scenarios), replay and
// load-curve: the latency SLO whose attainment and goodput result.json reports ("slo").
// It replaces the scenario's serving.slo as a whole, so the run is judged by exactly
// the bounds on the command line.
#include <string>

#include "core/scenario.hpp"

namespace CLI {
class App;
}

namespace lcperf::cli {

struct SloFlag {
  std::string text;  // empty: the scenario's serving.slo, if any

  void add_to(CLI::App& command);
  // The scenario judged by the flag's SLO; InputError for bad text or a training scenario.
  core::Scenario apply(core::Scenario scenario) const;
};

}  // namespace lcperf::cli

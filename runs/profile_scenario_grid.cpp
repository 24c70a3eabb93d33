#include "runs/profile_scenario_grid.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "backends/cpu/cpu_runtime.hpp"
#include "backends/cpu/op_executor.hpp"
#include "runs/training_run.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "cost_models/op_class.hpp"
#include "cost_models/op_json.hpp"

namespace lcperf::runs {

std::vector<GridCase> scenario_profile_grid(const std::string& scenario_path, const std::vector<cost::OpClass>& classes) {
  const core::Scenario scenario = core::load_scenario(scenario_path);
  if (scenario.kind != core::ScenarioKind::training) {
    throw core::InputError(scenario_path + ": --for-scenario takes a training scenario (kind is \"" +
                           std::string(to_string(scenario.kind)) + "\")");
  }
  const std::vector<std::int64_t> sequences = training_sequences(scenario);
  const int ranks = scenario.parallel.world_size();
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < ranks; ++r) programs.push_back(rank_program(scenario, r, sequences));

  std::mutex mutex;
  std::vector<GridCase> cases;
  std::set<std::pair<cost::OpClass, std::string>> seen;
  backends::LiveInput in;
  in.ranks = ranks;
  in.program_for = [&programs](int rank) { return programs[static_cast<std::size_t>(rank)]; };
  in.memory_capacity_bytes = static_cast<std::int64_t>(scenario.cluster.gpu.hbm_bytes);
  for (int r = 0; r < ranks; ++r) in.node_of_rank.push_back(scenario.cluster.node_of(r));
  in.execute_op = [&](const core::KernelOp& op) {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const core::OpPart& part : op.parts) {
      const std::optional<cost::OpClass> op_class = cost::op_class_of(part);
      if (!op_class || std::find(classes.begin(), classes.end(), *op_class) == classes.end()) continue;
      if (seen.insert({*op_class, cost::op_to_json_text(part)}).second) cases.push_back(GridCase{*op_class, part});
    }
    return std::vector<double>(op.parts.size(), 0.0);
  };
  try {
    backends::cpu::run_live(in);
  } catch (const backends::LiveDeadlockError& e) {
    throw std::runtime_error(std::string("--for-scenario: the rank programs deadlocked\n") + e.what());
  }
  return cases;
}

}  // namespace lcperf::runs

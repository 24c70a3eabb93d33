// Simulates one training scenario through the installed libraries and prints its
// iteration time, and prices one GEMM; the test compares both with the installed command.
#include <cstdio>
#include <exception>

#include "core/hardware_spec.hpp"
#include "core/ops.hpp"
#include "core/scenario.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/op_json.hpp"
#include "runs/training_run.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer SCENARIO.json OP_JSON\n");
    return 2;
  }
  try {
    const lcperf::runs::TrainingRun run = lcperf::runs::run_training(lcperf::core::load_scenario(argv[1]));
    const lcperf::cost::DeviceProfile profile = lcperf::cost::load_device_profile("h200");
    const lcperf::cost::CostModel model(lcperf::core::load_hardware(profile.hardware), profile);
    const double gemm_s = model.cost(lcperf::cost::parse_op_json(argv[2], "argv")).time_s;
    std::printf("%.17g %.17g\n", run.result.iteration_time_s, gemm_s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  return 0;
}

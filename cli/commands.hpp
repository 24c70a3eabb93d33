#pragma once
// The subcommands of `lcperf`. Each one registers its options on the top-level CLI11
// app and returns the action to run once the whole command line has parsed; app.cpp
// runs the action of the subcommand that was given and maps exceptions to exit codes.
// CLI11 is only forward-declared here: its headers are heavy (docs/contract.md, "Conventions").
#include <functional>

namespace CLI {
class App;
}

namespace lcperf::cli {

struct Command {
  CLI::App* app = nullptr;     // the subcommand, to tell whether it was given
  std::function<int()> action;  // returns an exit code; throws on failure
};

Command add_simulate_command(CLI::App& parent);
Command add_cost_command(CLI::App& parent);
Command add_memory_command(CLI::App& parent);
Command add_reproduce_command(CLI::App& parent);
Command add_sweep_command(CLI::App& parent);
Command add_replay_command(CLI::App& parent);
Command add_load_curve_command(CLI::App& parent);
Command add_report_command(CLI::App& parent);
Command add_profile_command(CLI::App& parent);
Command add_calibrate_command(CLI::App& parent);
Command add_validate_command(CLI::App& parent);
Command add_compare_command(CLI::App& parent);
Command add_import_model_command(CLI::App& parent);
Command add_schema_command(CLI::App& parent);

}  // namespace lcperf::cli

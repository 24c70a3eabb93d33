// Top level of `lcperf`: CLI11 parses the whole command line first (nothing reaches
// SimGrid), then the chosen subcommand runs, and every failure becomes one message on
// stderr, prefixed "lcperf: error: ", and an exit code (exit_codes.hpp).
#include "cli/app.hpp"

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/scenario.hpp"
#include "sim/simulator.hpp"

namespace lcperf::cli {

namespace {

void print_error(const std::string& message) { std::cerr << "lcperf: error: " << message << "\n"; }

// CLI11 reports help and --version as "errors" with exit code 0; those print to stdout.
// Everything else is a usage mistake: the message, then where to read the usage.
int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == 0) return app.exit(error, std::cout, std::cerr);
  std::string message = error.what();
  std::string usage = "lcperf";
  const std::vector<CLI::App*> given = app.get_subcommands();
  // CLI11 says "A subcommand is required" for `lcperf frobnicate`; name the word instead.
  if (given.empty() && !app.remaining().empty()) {
    std::string subcommands;
    for (const CLI::App* sub : app.get_subcommands({})) subcommands += (subcommands.empty() ? "" : ", ") + sub->get_name();
    message = "unknown subcommand '" + core::shown_path(app.remaining().front()) + "' (subcommands: " + subcommands + ")";
  }
  if (!given.empty()) {
    usage += " " + given.front()->get_name();
    // CLI11 checks required options before stray ones, so "--op is required" can hide
    // the misspelled "--opp" that caused it; name the stray arguments too.
    const std::vector<std::string> stray = given.front()->remaining();
    if (!stray.empty() && message.find("not expected") == std::string::npos) {
      message += " (unexpected arguments:";
      for (const std::string& arg : stray) message += " " + arg;
      message += ")";
    }
  }
  print_error(message);
  std::cerr << "run '" << usage << " --help' for usage\n";
  return core::kExitBadInput;
}

int run_guarded(const Command& command) {
  try {
    return command.action();
  } catch (const core::InputError& error) {
    print_error(error.what());
    return core::kExitBadInput;
  } catch (const std::filesystem::filesystem_error& error) {
    // Only paths the user gave reach the file system unchecked (a name too long, a
    // folder where a file goes): an input error, named by the path.
    print_error(core::shown_path(error.path1().string()) + ": " + error.code().message());
    return core::kExitBadInput;
  } catch (const core::RunStoppedError& error) {
    print_error(error.what());
    return core::kExitInternalFailure;
  } catch (const sim::DeadlockError& error) {
    print_error(std::string("the simulated op programs deadlocked\n") + error.what());
    return core::kExitInternalFailure;
  } catch (const std::exception& error) {
    print_error(std::string("internal failure: ") + error.what());
    return core::kExitInternalFailure;
  } catch (...) {
    print_error("internal failure: unknown exception");
    return core::kExitInternalFailure;
  }
}

}  // namespace

int run_main(int argc, char** argv) {
  CLI::App app("lcperf: performance modeling for long-context LLM training and serving.\n"
               "Simulates a scenario on a modelled cluster, or prices one op on one device.",
               "lcperf");
  app.set_version_flag("--version", core::lcperf_version(), "Print the lcperf version and exit");
  app.require_subcommand(1);
  app.footer("Run 'lcperf SUBCOMMAND --help' for a subcommand's options and an example.");

  const std::vector<Command> commands = {add_simulate_command(app), add_cost_command(app),
                                         add_memory_command(app), add_reproduce_command(app),
                                         add_sweep_command(app), add_replay_command(app),
                                         add_load_curve_command(app),
                                         add_report_command(app),
                                         add_profile_command(app), add_calibrate_command(app),
                                         add_validate_command(app),
                                         add_compare_command(app), add_import_model_command(app),
                                         add_schema_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error);
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) return run_guarded(command);
  }
  // require_subcommand(1) makes this unreachable; answer like a parse error anyway.
  print_error("a subcommand is required");
  return core::kExitBadInput;
}

}  // namespace lcperf::cli

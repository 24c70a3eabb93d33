#pragma once
// The `lcperf` command: parses the command line (CLI11) and dispatches to subcommands.
// Exit codes: 0 success, 2 bad input, 1 internal failure.
namespace lcperf::cli {

int run_main(int argc, char** argv);

}  // namespace lcperf::cli

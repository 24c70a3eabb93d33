#pragma once
// Exit codes of the `lcperf` command (docs/contract.md).
namespace lcperf::core {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitInternalFailure = 1,  // a bug, a deadlocked op program, an I/O failure we did not expect
  kExitBadInput = 2,         // anything the user can fix: flags, scenario files, op JSON
};

}  // namespace lcperf::core

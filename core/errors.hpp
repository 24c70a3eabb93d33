#pragma once
// Error kinds that map to the CLI's exit codes: InputError (bad scenario, bad flag,
// corrupt trace: exit 2) and everything else (internal failure: exit 1).
#include <stdexcept>
#include <string>

namespace lcperf::core {

// Raised for anything the user can fix in their input. The message names the file,
// JSON path or line, and the rule that was broken.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Raised after a run that the simulation budget stopped (sim.max_events, sim.max_wall_s,
// --timeout) has written its partial outputs: exit 1, since nothing shows the input
// itself to be wrong (a run that the input makes unable to progress is an InputError).
class RunStoppedError : public std::runtime_error {
 public:
  explicit RunStoppedError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lcperf::core

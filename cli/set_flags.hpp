#pragma once
// `--set PATH=VALUE` (repeatable) of the commands that load one scenario (simulate,
// replay, validate, load-curve): overrides of scenario fields by dotted JSON path,
// applied before validation (docs/contract.md).
#include <string>
#include <vector>

#include "core/scenario.hpp"

namespace CLI {
class App;
}

namespace lcperf::cli {

struct SetFlags {
  std::vector<std::string> texts;  // as given, in order

  void add_to(CLI::App& command);
  // The overrides in command-line order; InputError naming a malformed one.
  std::vector<core::Override> parsed() const;
};

}  // namespace lcperf::cli

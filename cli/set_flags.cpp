#include "cli/set_flags.hpp"

#include <CLI/CLI.hpp>

namespace lcperf::cli {

void SetFlags::add_to(CLI::App& command) {
  command.add_option("--set", texts, "Override one scenario field by its dotted JSON path before validation; repeatable")
      ->type_name("PATH=VALUE")
      ->allow_extra_args(false);
}

std::vector<core::Override> SetFlags::parsed() const {
  std::vector<core::Override> overrides;
  overrides.reserve(texts.size());
  for (const std::string& text : texts) overrides.push_back(core::parse_override(text));
  return overrides;
}

}  // namespace lcperf::cli

#include "cli/budget_flags.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

namespace lcperf::cli {

namespace {

std::string json_number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

void BudgetFlags::add_to(CLI::App& command) {
  command
      .add_option("--timeout", timeout_s,
                  "Stop the simulation after this many seconds of wall time and write its outputs marked "
                  "partial, exit 1 (sets sim.max_wall_s; 0 = no limit)")
      ->type_name("SECONDS");
  command
      .add_option("--max-memory", max_memory_gib,
                  "Memory the size check allows the simulation before it runs (sets sim.max_memory_gib; "
                  "0 = no limit)")
      ->type_name("GIB");
}

void BudgetFlags::append_to(std::vector<core::Override>& overrides) const {
  if (timeout_s) overrides.push_back({"sim.max_wall_s", json_number(*timeout_s)});
  if (max_memory_gib) overrides.push_back({"sim.max_memory_gib", json_number(*max_memory_gib)});
}

}  // namespace lcperf::cli

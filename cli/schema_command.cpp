// `lcperf schema [scenario|sweep] [--out FILE]`: the JSON Schema of scenario (or sweep)
// files, generated from what the loader reads on the shipped files
// (core/scenario_schema.hpp, runs/sweep_schema.hpp), so editors can complete and check
// them ("$schema": ".../schema/scenario.schema.json").
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/print_or_write.hpp"
#include "core/data_root.hpp"
#include "core/exit_codes.hpp"
#include "core/output_set.hpp"
#include "core/scenario.hpp"
#include "core/scenario_schema.hpp"
#include "runs/sweep_schema.hpp"

namespace lcperf::cli {

namespace {

struct SchemaOptions {
  std::string kind = "scenario";
  std::string out;
};

// Shipped sweeps sit in the data root beside scenarios/ (core/data_root.hpp).
std::string sweeps_folder() { return (std::filesystem::path(core::data_root()) / "sweeps").string(); }

int run_schema(const SchemaOptions& options) {
  if (!options.out.empty()) core::check_output_file(options.out);
  const nlohmann::json schema = options.kind == "sweep"
                                    ? runs::sweep_schema(runs::shipped_sweep_files(sweeps_folder()))
                                    : core::scenario_schema(core::shipped_scenario_files(core::data_dir()));
  return print_or_write(schema.dump(2) + "\n", options.out);
}

}  // namespace

Command add_schema_command(CLI::App& parent) {
  auto options = std::make_shared<SchemaOptions>();
  CLI::App* sub = parent.add_subcommand("schema", "Print the JSON Schema of scenario or sweep files");
  sub->add_option("kind", options->kind, "scenario (default) or sweep")
      ->check(CLI::IsMember({"scenario", "sweep"}))
      ->type_name("KIND");
  sub->add_option("--out", options->out, "Write the schema to this file (atomically) instead of printing it")
      ->type_name("FILE");
  sub->footer(
      "Loads every shipped scenario with the loader noting each key it reads (type, range,\n"
      "allowed names, default) and prints the union as a JSON Schema (draft 2020-12). The\n"
      "repository's copies are schema/scenario.schema.json and schema/sweep.schema.json; a\n"
      "test regenerates them and compares.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Example:\n"
      "  lcperf schema --out schema/scenario.schema.json\n"
      "  lcperf schema sweep --out schema/sweep.schema.json");
  return Command{sub, [options] { return run_schema(*options); }};
}

}  // namespace lcperf::cli

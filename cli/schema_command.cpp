// `lcperf schema [--out FILE]`: the JSON Schema of scenario files, generated from what
// the loader reads on the shipped scenarios (core/scenario_schema.hpp), so editors can
// complete and check scenarios ("$schema": ".../schema/scenario.schema.json").
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/exit_codes.hpp"
#include "core/output_set.hpp"
#include "core/scenario.hpp"
#include "core/scenario_schema.hpp"

namespace lcperf::cli {

namespace {

struct SchemaOptions {
  std::string out;
};

int run_schema(const SchemaOptions& options) {
  if (!options.out.empty()) core::check_output_file(options.out);
  const nlohmann::json schema = core::scenario_schema(core::shipped_scenario_files(core::data_dir()));
  const std::string text = schema.dump(2) + "\n";
  if (options.out.empty()) {
    std::cout << text;
  } else {
    core::write_file_atomically(options.out, text);
  }
  return core::kExitSuccess;
}

}  // namespace

Command add_schema_command(CLI::App& parent) {
  auto options = std::make_shared<SchemaOptions>();
  CLI::App* sub = parent.add_subcommand("schema", "Print the JSON Schema of scenario files");
  sub->add_option("--out", options->out, "Write the schema to this file (atomically) instead of printing it")
      ->type_name("FILE");
  sub->footer(
      "Loads every shipped scenario with the loader noting each key it reads (type, range,\n"
      "allowed names, default) and prints the union as a JSON Schema (draft 2020-12). The\n"
      "repository's copy is schema/scenario.schema.json; a test regenerates it and compares.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Example:\n"
      "  lcperf schema --out schema/scenario.schema.json");
  return Command{sub, [options] { return run_schema(*options); }};
}

}  // namespace lcperf::cli

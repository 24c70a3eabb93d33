// `lcperf cost --device ID_OR_FILE --op JSON|@FILE`: the cost model's answer for one op,
// printed as JSON.
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "core/hardware_spec.hpp"
#include "core/scenario.hpp"
#include "core/strict_json.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/op_json.hpp"
#include "cost_models/op_price_json.hpp"

namespace lcperf::cli {

namespace {

struct CostOptions {
  std::string device;  // profile id in cost_models/devices/ or a profile file
  std::string op;      // op JSON, or @FILE holding it
};

// Reads the op before anything else so a typo in it is reported first; messages name
// "--op" (or the file) with the JSON path or line:column.
core::OpPart read_op(const std::string& argument) {
  if (!argument.empty() && argument.front() == '@') {
    const std::string path = argument.substr(1);
    return cost::parse_op_json(core::read_text_file(path), path);
  }
  return cost::parse_op_json(argument, "--op");
}

int run_cost(const CostOptions& options) {
  std::cout << cost::price_op_json_text(options.device, read_op(options.op)) << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_cost_command(CLI::App& parent) {
  auto options = std::make_shared<CostOptions>();
  CLI::App* sub = parent.add_subcommand("cost", "Price one op on one device with the cost model");
  sub->add_option("--device", options->device, "Device profile id (e.g. h200) or a profile JSON file")
      ->required()
      ->type_name("ID_OR_FILE");
  sub->add_option("--op", options->op, "The op as JSON, or @FILE to read it from a file")
      ->required()
      ->type_name("JSON");
  sub->footer(
      "Loads the device profile (cost_models/devices/<id>.json, or a file) and the hardware it\n"
      "was made for, and prints one JSON object: the op as read (defaults filled in), its\n"
      "modelled time_s, its exact flops and bytes, the model that answered (a measured\n"
      "table, the roofline with efficiency curves and whether compute, memory or the latency\n"
      "floor bound it, or the collective model), and the device and hardware. Ops: gemm,\n"
      "attention (and attention_fwd/bwd/decode), elementwise, memcpy, spmm, collective;\n"
      "cost_models/README.md (\"Op JSON\") lists their fields.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Examples:\n"
      "  lcperf cost --device h200 --op '{\"op\":\"gemm\",\"m\":4096,\"n\":16,\"k\":9216,\"dtype\":\"bf16\"}'\n"
      "  lcperf cost --device h200 --op '{\"op\":\"spmm\",\"m\":4096,\"n\":16,\"k\":9216,\"sparsity\":0.8}'");
  return Command{sub, [options] { return run_cost(*options); }};
}

}  // namespace lcperf::cli

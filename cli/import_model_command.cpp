// `lcperf import-model CONFIG.json [--id ID] [--out FILE]`: the lcperf model object a
// Hugging Face config.json becomes (core/hf_config.hpp), printed or written atomically,
// so it can be reviewed and committed to a catalogue.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/print_or_write.hpp"
#include "core/exit_codes.hpp"
#include "core/hf_config.hpp"
#include "core/output_set.hpp"
#include "core/scenario.hpp"

namespace lcperf::cli {

namespace {

struct ImportModelOptions {
  std::string config;
  std::string id;
  std::string out;
};

// The catalogue's key order (scenarios/models/*.json), so a written file reads like one.
nlohmann::ordered_json in_catalogue_order(const nlohmann::json& model) {
  nlohmann::ordered_json ordered;
  for (const char* key : {"id", "name", "source", "layers", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden",
                          "vocab", "gated_mlp", "tied_embeddings", "qkv_bias", "layernorm_bias", "max_context",
                          "dtype"}) {
    ordered[key] = model.at(key);
  }
  return ordered;
}

int run_import_model(const ImportModelOptions& options) {
  if (!options.out.empty()) core::check_output_file(options.out);
  // The scenario loader's model rules apply too (a head_dim over the limit, say).
  core::load_model("hf:" + options.config);
  const nlohmann::json model = core::read_hf_model(options.config, options.id);
  return print_or_write(in_catalogue_order(model).dump(2) + "\n", options.out);
}

}  // namespace

Command add_import_model_command(CLI::App& parent) {
  auto options = std::make_shared<ImportModelOptions>();
  CLI::App* sub = parent.add_subcommand("import-model", "Turn a Hugging Face config.json into an lcperf model");
  sub->add_option("config", options->config, "The Hugging Face config.json")->required()->type_name("CONFIG");
  sub->add_option("--id", options->id, "The model's id (default: the config's folder name, or its file stem)");
  sub->add_option("--out", options->out, "Write the model JSON to this file (atomically) instead of printing it")
      ->type_name("FILE");
  sub->footer(
      "Reads a transformers config.json of the llama, mistral, qwen2, gpt2, gpt_neox or opt\n"
      "family and prints the lcperf model object (layers, hidden, heads, kv_heads, head_dim,\n"
      "ffn_hidden, vocab, gated_mlp, tied_embeddings, biases, max_context, dtype). A scenario\n"
      "can also name the config directly: \"model\": \"hf:PATH/config.json\". Keys that change\n"
      "the cost without an lcperf equivalent (experts, an active sliding window, ...) and keys\n"
      "the importer does not know are refused; docs/hf-import.md lists what is read.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Examples:\n"
      "  lcperf import-model Meta-Llama-3-8B/config.json\n"
      "  lcperf import-model config.json --id my-model --out scenarios/models/my-model.json");
  return Command{sub, [options] { return run_import_model(*options); }};
}

}  // namespace lcperf::cli

#pragma once
// Hugging Face `config.json` -> lcperf model object (scenarios/models/*.json layout).
//
// People describe models by the transformers config they download with the weights, so
// a scenario may say "model": "hf:PATH/config.json" and `lcperf import-model` prints the
// lcperf model it becomes. Families read: llama, mistral, qwen2, gpt2, gpt_neox, opt
// (docs/hf-import.md lists the keys read per family). What changes the cost but has no
// lcperf equivalent (mixture of experts, active sliding-window attention, an OPT
// embedding projection, MLP-only or output-only biases, quantised weights) is refused
// with an InputError naming the key, as is any key the importer does not know: a key
// it cannot place might change the cost, and a silent guess would be a wrong answer.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace lcperf::core {

// The model_type values the importer understands, in the order the docs list them.
const std::vector<std::string>& hf_model_types();

// Converts a parsed config; `origin` names the file in messages ("cfg.json: $.key: ...").
// `id` becomes the model's id (empty: the config's folder name, else its file stem).
nlohmann::json model_from_hf_config(const nlohmann::json& config, const std::string& origin,
                                    const std::string& id = "");

// Reads the file (bounded, strict JSON) and converts it.
nlohmann::json read_hf_model(const std::string& path, const std::string& id = "");

// "hf:PATH" names a Hugging Face config in a scenario's "model"; returns PATH, or an
// empty string for anything else.
std::string hf_config_path(const std::string& model_reference);

}  // namespace lcperf::core

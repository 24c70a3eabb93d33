#include "core/hf_config.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/strict_json.hpp"

namespace lcperf::core {

namespace {

using nlohmann::json;

// Keys that never change what a step costs: token ids, initialisation, numerical
// epsilons, dropout probabilities (a training scenario sets dropout in its `kernels`
// section), position-encoding constants (rope base and scaling change the values, not
// the work), and the transformers library's own bookkeeping.
const std::set<std::string, std::less<>>& cost_neutral_keys() {
  static const std::set<std::string, std::less<>> keys = {
      "_name_or_path", "architectures", "transformers_version", "model_type", "torch_dtype", "dtype",
      "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id",
      "initializer_range", "init_std", "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon",
      "use_cache", "rope_theta", "rope_scaling", "rotary_emb_base", "rotary_pct", "partial_rotary_factor",
      "attention_dropout", "hidden_dropout", "resid_pdrop", "embd_pdrop", "attn_pdrop", "dropout",
      "activation_dropout", "classifier_dropout", "layerdrop", "summary_type", "summary_use_proj",
      "summary_activation", "summary_proj_to_labels", "summary_first_dropout", "task_specific_params",
      "scale_attn_weights", "reorder_and_upcast_attn", "scale_attn_by_inverse_layer_idx",
      "use_parallel_residual", "do_layer_norm_before", "_remove_final_layer_norm", "pretraining_tp",
      "tokenizer_class", "prefix", "id2label", "label2id", "problem_type", "return_dict",
      "output_hidden_states", "output_attentions", "torchscript", "use_bfloat16", "finetuning_task",
      "is_decoder", "is_encoder_decoder", "tie_encoder_decoder", "chunk_size_feed_forward",
      "tf_legacy_loss", "_attn_implementation", "attn_implementation", "n_ctx", "max_window_layers",
      // The non-linearity of an ungated MLP (GELU, ReLU) is one element-wise kernel whichever
      // it is; the gated families read hidden_act themselves and insist on SiLU.
      "hidden_act", "activation_function"};
  return keys;
}

// Keys that describe something lcperf does not model; present with a value that turns
// the feature on, they are refused with the reason.
struct Unsupported {
  std::string_view key;
  std::string_view reason;
};
constexpr Unsupported kUnsupported[] = {
    {"num_local_experts", "mixture-of-experts layers are not modelled"},
    {"num_experts", "mixture-of-experts layers are not modelled"},
    {"n_routed_experts", "mixture-of-experts layers are not modelled"},
    {"num_experts_per_tok", "mixture-of-experts layers are not modelled"},
    {"quantization_config", "quantised weights are not modelled (set the scenario's precision instead)"},
};

bool is_off(const json& value) {
  return value.is_null() || (value.is_boolean() && !value.get<bool>()) ||
         (value.is_number() && value.get<double>() == 0.0);
}

// Reads one config object, remembering which keys the family's mapping consumed so the
// rest can be checked against the cost-neutral list.
class ConfigReader {
 public:
  ConfigReader(const json& config, std::string origin) : config_(config), origin_(std::move(origin)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& message) const {
    throw_at(origin_, "$." + std::string(key), message);
  }

  const json* find(std::string_view key) {
    used_.insert(std::string(key));
    const auto it = config_.find(std::string(key));
    return (it == config_.end() || it->is_null()) ? nullptr : &*it;
  }

  std::int64_t integer(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) fail(key, "missing (a " + family_ + " config needs it)");
    return positive_integer(key, *value);
  }

  std::int64_t integer_or(std::string_view key, std::int64_t fallback) {
    const json* value = find(key);
    return value == nullptr ? fallback : positive_integer(key, *value);
  }

  bool boolean_or(std::string_view key, bool fallback) {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) fail(key, "expected true or false, got " + describe_json(*value));
    return value->get<bool>();
  }

  std::string string_or(std::string_view key, const std::string& fallback) {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_string()) fail(key, "expected a string, got " + describe_json(*value));
    return value->get<std::string>();
  }

  void set_family(std::string family) { family_ = std::move(family); }

  // Every key is either consumed by the family's mapping, cost-neutral, or refused.
  void finish() const {
    for (const Unsupported& u : kUnsupported) {
      const auto it = config_.find(std::string(u.key));
      if (it != config_.end() && !is_off(*it)) fail(u.key, std::string(u.reason) + " (got " + describe_json(*it) + ")");
    }
    std::vector<std::string> unknown;
    for (const auto& [key, value] : config_.items()) {
      if (!used_.contains(key) && !cost_neutral_keys().contains(key)) unknown.push_back(key);
    }
    if (!unknown.empty()) {
      std::string list;
      for (const std::string& key : unknown) list += (list.empty() ? "'" : ", '") + key + "'";
      throw_at(origin_, "$", "unsupported or unknown key(s) " + list + " in a " + family_ +
                                 " config: lcperf cannot tell how they change the cost (docs/hf-import.md lists "
                                 "the keys it reads and the ones it ignores)");
    }
  }

 private:
  std::int64_t positive_integer(std::string_view key, const json& value) const {
    if (!value.is_number_integer() && !value.is_number_unsigned()) {
      fail(key, "expected a positive integer, got " + describe_json(value));
    }
    if (value.is_number_integer() && value.get<std::int64_t>() <= 0) {
      fail(key, "must be positive (got " + describe_json(value) + ")");
    }
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(key, "too large (got " + describe_json(value) + ")");
    }
    return value.get<std::int64_t>();
  }

  const json& config_;
  std::string origin_;
  std::string family_ = "Hugging Face";
  std::set<std::string, std::less<>> used_;
};

// The lcperf model fields, filled per family.
struct Shape {
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn_hidden = 0, vocab = 0;
  std::int64_t max_context = 0;
  bool gated_mlp = true, tied_embeddings = false, qkv_bias = false, layernorm_bias = false;
  std::string notes;
};

std::int64_t head_dim_of(ConfigReader& r, std::int64_t hidden, std::int64_t heads, std::string_view heads_key) {
  if (const json* given = r.find("head_dim"); given != nullptr) return r.integer("head_dim");
  if (hidden % heads != 0) {
    r.fail(heads_key, "the hidden size " + std::to_string(hidden) + " is not a multiple of " +
                          std::to_string(heads) + " heads, and no head_dim is given");
  }
  return hidden / heads;
}

void require_gated_silu(ConfigReader& r) {
  const std::string act = r.string_or("hidden_act", "silu");
  if (act != "silu" && act != "swish") {
    r.fail("hidden_act", "this family's gated MLP is modelled with SiLU (SwiGLU); got '" + act + "'");
  }
}

// Sliding-window attention narrower than the context changes attention's cost, which
// lcperf prices as full causal attention.
void refuse_active_sliding_window(ConfigReader& r, std::int64_t max_context, bool enabled) {
  const json* window = r.find("sliding_window");
  if (!enabled || window == nullptr) return;
  if (!window->is_number_integer()) r.fail("sliding_window", "expected an integer or null, got " + describe_json(*window));
  if (window->get<std::int64_t>() < max_context) {
    r.fail("sliding_window", "sliding-window attention (window " + std::to_string(window->get<std::int64_t>()) +
                                 " < max_position_embeddings " + std::to_string(max_context) +
                                 ") is not modelled; lcperf prices full causal attention");
  }
}

// Llama, Mistral and Qwen2 share one layout: RMSNorm, rotary positions, SwiGLU, GQA.
Shape llama_like(ConfigReader& r, const std::string& family) {
  Shape s;
  s.layers = r.integer("num_hidden_layers");
  s.hidden = r.integer("hidden_size");
  s.heads = r.integer("num_attention_heads");
  s.kv_heads = r.integer_or("num_key_value_heads", s.heads);
  s.head_dim = head_dim_of(r, s.hidden, s.heads, "num_attention_heads");
  s.ffn_hidden = r.integer("intermediate_size");
  s.vocab = r.integer("vocab_size");
  s.max_context = r.integer("max_position_embeddings");
  s.tied_embeddings = r.boolean_or("tie_word_embeddings", false);
  require_gated_silu(r);
  if (s.heads % s.kv_heads != 0) {
    r.fail("num_key_value_heads", std::to_string(s.kv_heads) + " key/value heads do not divide " +
                                      std::to_string(s.heads) + " query heads");
  }
  if (r.boolean_or("mlp_bias", false)) r.fail("mlp_bias", "MLP-only biases are not modelled");
  if (family == "qwen2") {
    s.qkv_bias = true;  // Qwen2's q/k/v projections always carry a bias (no config key)
    refuse_active_sliding_window(r, s.max_context, r.boolean_or("use_sliding_window", false));
  } else {
    if (r.boolean_or("attention_bias", false)) {
      r.fail("attention_bias", "a bias on the attention output projection alone is not modelled");
    }
    refuse_active_sliding_window(r, s.max_context, true);
  }
  s.notes = "RMSNorm, rotary positions, SwiGLU";
  return s;
}

// GPT-2, GPT-NeoX and OPT share one layout (LayerNorm and biases everywhere, an ungated
// MLP, a KV head per head) and differ in their keys' names and defaults.
struct UngatedKeys {
  const char* layers;
  const char* hidden;
  const char* heads;
  const char* ffn;
  std::int64_t ffn_default_per_hidden;  // > 0: the key is optional, ffn = this x hidden
  const char* positions;
  bool tied_by_default;
  const char* notes;
};

Shape ungated_with_biases(ConfigReader& r, const UngatedKeys& k) {
  Shape s;
  s.layers = r.integer(k.layers);
  s.hidden = r.integer(k.hidden);
  s.heads = r.integer(k.heads);
  s.kv_heads = s.heads;
  s.head_dim = head_dim_of(r, s.hidden, s.heads, k.heads);
  s.ffn_hidden = k.ffn_default_per_hidden > 0 ? r.integer_or(k.ffn, k.ffn_default_per_hidden * s.hidden) : r.integer(k.ffn);
  s.vocab = r.integer("vocab_size");
  s.max_context = r.integer(k.positions);
  s.tied_embeddings = r.boolean_or("tie_word_embeddings", k.tied_by_default);
  s.gated_mlp = false;
  s.qkv_bias = s.layernorm_bias = true;
  s.notes = k.notes;
  return s;
}

constexpr const char* kLearnedPositions =
    "learned absolute positions (set kernels.position_embedding in a training scenario; their parameters are not "
    "counted)";

// GPT-2: GELU MLP of n_inner (4x by default), learned absolute positions, tied LM head.
Shape gpt2(ConfigReader& r) {
  static const std::string notes = std::string("LayerNorm and biases, GELU MLP, ") + kLearnedPositions;
  return ungated_with_biases(r, {"n_layer", "n_embd", "n_head", "n_inner", 4, "n_positions", true, notes.c_str()});
}

// GPT-NeoX (Pythia): GELU MLP, partial rotary positions, untied head.
Shape gpt_neox(ConfigReader& r) {
  const Shape s = ungated_with_biases(r, {"num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size",
                                          0, "max_position_embeddings", false,
                                          "LayerNorm and biases, GELU MLP, rotary positions"});
  if (!r.boolean_or("attention_bias", true)) {
    r.fail("attention_bias", "a GPT-NeoX without attention biases but with MLP biases is not modelled");
  }
  return s;
}

// OPT: ReLU MLP of ffn_dim, learned absolute positions, tied head.
Shape opt(ConfigReader& r) {
  static const std::string notes = std::string("LayerNorm and biases, ReLU MLP, ") + kLearnedPositions;
  const Shape s = ungated_with_biases(r, {"num_hidden_layers", "hidden_size", "num_attention_heads", "ffn_dim", 0,
                                          "max_position_embeddings", true, notes.c_str()});
  if (const std::int64_t proj = r.integer_or("word_embed_proj_dim", s.hidden); proj != s.hidden) {
    r.fail("word_embed_proj_dim", "an embedding projection (" + std::to_string(proj) + " != hidden_size " +
                                      std::to_string(s.hidden) + ") is not modelled");
  }
  if (!r.boolean_or("enable_bias", true)) r.fail("enable_bias", "OPT without biases is not modelled");
  return s;
}

std::string dtype_of(ConfigReader& r) {
  // Newer transformers write "dtype", older "torch_dtype"; either names the weights.
  std::string name = r.string_or("torch_dtype", "");
  if (name.empty()) name = r.string_or("dtype", "bfloat16");
  if (name == "bfloat16") return "bf16";
  if (name == "float16") return "fp16";
  if (name == "float32") return "fp32";
  r.fail("torch_dtype", "unsupported weight dtype '" + name + "' (bfloat16, float16, float32)");
}

std::string default_id(const std::string& origin) {
  const std::filesystem::path path(origin);
  const std::string folder = path.parent_path().filename().string();
  if (path.filename() == "config.json" && !folder.empty() && folder != "." && folder != "..") return folder;
  return path.stem().string();
}

}  // namespace

const std::vector<std::string>& hf_model_types() {
  static const std::vector<std::string> types = {"llama", "mistral", "qwen2", "gpt2", "gpt_neox", "opt"};
  return types;
}

json model_from_hf_config(const json& config, const std::string& origin, const std::string& id) {
  if (!config.is_object()) throw_at(origin, "$", "expected a Hugging Face config object, got " + describe_json(config));
  ConfigReader r(config, origin);
  const std::string type = r.string_or("model_type", "");
  if (type.empty()) r.fail("model_type", "missing: a Hugging Face config names its family in model_type");
  const auto& types = hf_model_types();
  if (std::find(types.begin(), types.end(), type) == types.end()) {
    std::string known;
    for (const std::string& t : types) known += (known.empty() ? "" : ", ") + t;
    r.fail("model_type", "unsupported model_type '" + type + "' (supported: " + known + ")");
  }
  r.set_family(type);
  const Shape s = (type == "gpt2") ? gpt2(r) : (type == "gpt_neox") ? gpt_neox(r) : (type == "opt") ? opt(r)
                                                                                    : llama_like(r, type);
  const std::string dtype = dtype_of(r);
  r.finish();

  std::string name = type;
  if (const auto a = config.find("architectures"); a != config.end() && a->is_array() && !a->empty() &&
                                                   a->front().is_string()) {
    name = a->front().get<std::string>();
  }
  json model = json::object();
  model["id"] = id.empty() ? default_id(origin) : id;
  model["name"] = name;
  model["source"] = "Hugging Face config.json (model_type " + type + ") imported by lcperf: " + s.notes;
  model["layers"] = s.layers;
  model["hidden"] = s.hidden;
  model["heads"] = s.heads;
  model["kv_heads"] = s.kv_heads;
  model["head_dim"] = s.head_dim;
  model["ffn_hidden"] = s.ffn_hidden;
  model["vocab"] = s.vocab;
  model["gated_mlp"] = s.gated_mlp;
  model["tied_embeddings"] = s.tied_embeddings;
  model["qkv_bias"] = s.qkv_bias;
  model["layernorm_bias"] = s.layernorm_bias;
  model["max_context"] = s.max_context;
  model["dtype"] = dtype;
  return model;
}

json read_hf_model(const std::string& path, const std::string& id) {
  return model_from_hf_config(read_json_file(path), path, id);
}

std::string hf_config_path(const std::string& model_reference) {
  constexpr std::string_view prefix = "hf:";
  return model_reference.starts_with(prefix) ? model_reference.substr(prefix.size()) : std::string();
}

}  // namespace lcperf::core

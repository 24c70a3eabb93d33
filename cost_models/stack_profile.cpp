#include "cost_models/stack_profile.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/data_root.hpp"
#include "core/errors.hpp"
#include "core/scenario_options.hpp"
#include "core/strict_json.hpp"

namespace lcperf::cost {

namespace {

namespace fs = std::filesystem;

// Every figure of a profile carries where it comes from: {"value": V, "source": "..."}.
core::ObjectReader sourced(core::ObjectReader& r, std::string_view key) {
  core::ObjectReader item = r.object(key);
  if (item.string("source").empty()) item.fail("source", "must say where the value comes from");
  return item;
}

double seconds(core::ObjectReader& r, std::string_view key) {
  core::ObjectReader item = sourced(r, key);
  const double v = item.number("value", core::Range::non_negative().at_most(1.0));
  item.finish();
  return v;
}

// An optional figure (absent = 0, what profiles written before it meant).
double seconds_or_zero(core::ObjectReader& r, std::string_view key) {
  return r.has(key) ? seconds(r, key) : 0.0;
}

template <class Option>
Option option(core::ObjectReader& item) {
  const auto names = option_names(Option{});
  return *core::parse_option<Option>(item.choice("value", std::span<const std::string_view>(names)));
}

}  // namespace

core::ServingStack parse_stack_profile(std::string_view json_text, const std::string& origin) {
  const nlohmann::json root = core::parse_json(json_text, origin);
  core::ObjectReader r(root, origin);
  const int version = r.int32("format_version");
  if (version != kStackProfileFormatVersion) {
    r.fail("format_version", "unsupported version (this build reads " + std::to_string(kStackProfileFormatVersion) + ")");
  }
  core::ServingStack s;
  s.id = r.string("stack");
  r.ignore("description");
  s.step_s = seconds(r, "step_s");
  s.schedule_per_seq_s = seconds(r, "schedule_per_seq_s");
  s.prepare_per_seq_s = seconds(r, "prepare_per_seq_s");
  s.prepare_per_token_s = seconds(r, "prepare_per_token_s");
  s.sample_per_seq_s = seconds(r, "sample_per_seq_s");
  s.output_per_seq_s = seconds(r, "output_per_seq_s");
  s.kernel_launch_s = seconds(r, "kernel_launch_s");
  s.graph_launch_s = seconds(r, "graph_launch_s");
  {
    core::ObjectReader item = sourced(r, "launch");
    s.launch = option<core::KernelLaunch>(item);
    item.finish();
  }
  {
    core::ObjectReader item = sourced(r, "async_host");
    s.async_host = item.boolean("value");
    item.finish();
  }
  {
    core::ObjectReader item = sourced(r, "prefill_attention");
    s.prefill_attention = option<core::PrefillAttentionKernel>(item);
    s.prefill_attention_time_factor = item.number("time_factor", core::Range::positive().at_most(100.0));
    if (s.prefill_attention == core::PrefillAttentionKernel::flash && s.prefill_attention_time_factor != 1.0) {
      item.fail("time_factor", "must be 1 for the flash kernel (the device profile prices it)");
    }
    if (item.has("fp8")) s.prefill_attention_fp8 = item.boolean("fp8");
    item.finish();
  }
  if (r.has("decode_attention_shares_kv")) {
    core::ObjectReader item = sourced(r, "decode_attention_shares_kv");
    s.decode_attention_shares_kv = item.boolean("value");
    item.finish();
  }
  s.request_s = seconds_or_zero(r, "request_s");
  s.request_per_prompt_token_s = seconds_or_zero(r, "request_per_prompt_token_s");
  s.custom_all_reduce_latency_s = seconds_or_zero(r, "custom_all_reduce_latency_s");
  r.finish();
  return s;
}

std::string stack_profile_dir() {
  const char* env = std::getenv("LCPERF_STACK_DIR");
  if (env != nullptr && *env != '\0') return env;
  return (std::filesystem::path(core::data_root()) / "cost_models" / "stacks").string();
}

std::vector<std::string> available_stack_profiles() {
  std::vector<std::string> ids{"ideal"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(stack_profile_dir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") ids.push_back(entry.path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

core::ServingStack load_stack_profile(const std::string& id_or_path) {
  if (id_or_path.empty() || id_or_path == "ideal") return core::ServingStack{};
  std::error_code ec;
  if (fs::is_regular_file(id_or_path, ec)) return parse_stack_profile(core::read_text_file(id_or_path), id_or_path);
  const bool looks_like_path =
      id_or_path.find('/') != std::string::npos || fs::path(id_or_path).extension() == ".json";
  if (looks_like_path) throw core::InputError(id_or_path + ": no such serving stack profile file");
  const fs::path candidate = fs::path(stack_profile_dir()) / (id_or_path + ".json");
  if (fs::is_regular_file(candidate, ec)) {
    return parse_stack_profile(core::read_text_file(candidate.string()), candidate.string());
  }
  std::string known;
  for (const std::string& id : available_stack_profiles()) known += (known.empty() ? "" : ", ") + id;
  throw core::InputError("serving stack \"" + id_or_path + "\" not found in " + stack_profile_dir() +
                         " (available: " + known + ")");
}

}  // namespace lcperf::cost

// The mutation classes of the reliability issues (truncations, byte flips, type swaps,
// extreme numbers, deleted keys, extreme --set values into the resolved hardware) over
// shipped scenarios, loaded in process: each mutated input either loads, with every field
// inside its documented range (scenarios/README.md, "Ranges"), or is an InputError.
// Deterministic (fixed seeds); scripts/mutate-inputs.py runs the same classes through the
// real command, simulations included, by the thousand.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "core/strict_json.hpp"

namespace lcperf::core {
namespace {

using nlohmann::json;

const std::vector<std::string> kShipped = {
    LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json",
    LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json",
    LCPERF_SOURCE_DIR "/scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json",
};
const std::vector<std::string> kExtremes = {"1e309", "-1e309", "1e400", "0", "-1", "-0", "1e-300", "1e-9",
                                            "2147483648", "4294967296", "9223372036854775808",
                                            "18446744073709551616", "1e19", "65537", "2.5", "true", "null", "[]"};
const std::vector<std::string> kSwaps = {"\"x\"", "1", "1.5", "true", "null", "[]", "{}", "[1]", "{\"a\": 1}"};
const std::vector<std::string> kHardwareFields = {
    "peak_bf16_flops", "peak_fp8_flops", "hbm_bytes", "hbm_bandwidth_bytes_per_s", "nvlink_bandwidth_bytes_per_s",
    "nvlink_latency_s", "pcie_bandwidth_bytes_per_s", "nic_bandwidth_bytes_per_s", "nic_latency_s",
    "host_memory_bytes", "kernel_launch_latency_s"};

// The documented ranges (scenarios/README.md), restated so a loaded scenario is checked
// against the documentation rather than against the loader's own constants.
void expect_inside_documented_ranges(const Scenario& s, const std::string& what) {
  const HardwareSpec& h = s.cluster.gpu;
  const auto zero_or_within = [](double v, double low, double high) { return v == 0 || (v >= low && v <= high); };
  EXPECT_TRUE(h.hbm_bytes > 0 && h.hbm_bytes <= 1e15) << what;
  EXPECT_TRUE(h.hbm_bandwidth_bytes_per_s >= 1e6 && h.hbm_bandwidth_bytes_per_s <= 1e15) << what;
  EXPECT_TRUE(h.pcie_bandwidth_bytes_per_s >= 1e6 && h.pcie_bandwidth_bytes_per_s <= 1e15) << what;
  EXPECT_TRUE(zero_or_within(h.nvlink_bandwidth_bytes_per_s, 1e6, 1e15)) << what;
  EXPECT_TRUE(zero_or_within(h.nic_bandwidth_bytes_per_s, 1e6, 1e15)) << what;
  EXPECT_TRUE(zero_or_within(h.nic_latency_s, 1e-12, 1.0)) << what;
  EXPECT_TRUE(zero_or_within(h.peak_fp8_flops, 1e9, 1e18)) << what;
  EXPECT_TRUE(h.peak_bf16_flops >= 1e9 && h.peak_bf16_flops <= 1e18) << what;
  EXPECT_GT(s.cluster.nodes, 0) << what;
  EXPECT_GT(s.parallel.tp, 0) << what;
  if (s.kind == ScenarioKind::serving) {
    EXPECT_TRUE(s.serving.distkv.reclaim_period_s >= 1e-4 && s.serving.distkv.reclaim_period_s <= 1e7) << what;
    EXPECT_TRUE(s.requests.time_scale >= 1e-9 && s.requests.time_scale <= 1e6) << what;
    EXPECT_LT(s.requests.long_requests.generation_share, 1.0) << what;
  }
}

struct Tally {
  int loaded = 0;
  int rejected = 0;
};

void load_or_reject(const std::string& text, const std::string& origin, const std::vector<Override>& overrides,
                    const std::string& what, Tally& tally) {
  try {
    const Scenario s = load_scenario_text(text, origin, overrides);
    expect_inside_documented_ranges(s, what);
    ++tally.loaded;
  } catch (const InputError& e) {
    // Every refusal names the scenario (or a data file it refers to) first.
    EXPECT_NE(std::string(e.what()).find(".json"), std::string::npos) << what << ": " << e.what();
    ++tally.rejected;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not an InputError: " << e.what();
  }
}

// Every JSON pointer into the document (objects and arrays included).
std::vector<json::json_pointer> all_pointers(const json& value, const json::json_pointer& at = json::json_pointer()) {
  std::vector<json::json_pointer> out;
  if (!at.empty()) out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      auto more = all_pointers(child, at / key);
      out.insert(out.end(), more.begin(), more.end());
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto more = all_pointers(value[i], at / i);
      out.insert(out.end(), more.begin(), more.end());
    }
  }
  return out;
}

// The document with the value at `at` replaced by the raw text `raw` (which may not be
// valid JSON for nlohmann, such as 1e309).
std::string with_raw_value(json doc, const json::json_pointer& at, const std::string& raw) {
  const std::string marker = "\"@@mutation@@\"";
  doc[at] = "@@mutation@@";
  std::string text = doc.dump(1);
  text.replace(text.find(marker), marker.size(), raw);
  return text;
}

template <typename T>
const T& pick(const std::vector<T>& items, std::mt19937_64& rng) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
}

TEST(ScenarioMutation, ShippedScenariosUnderEveryMutationClassLoadInRangeOrAreInputErrors) {
  std::mt19937_64 rng(20261207);
  Tally tally;
  int cases = 0;
  for (const std::string& path : kShipped) {
    const std::string text = read_text_file(path);
    const json doc = json::parse(text);
    ASSERT_NO_THROW(load_scenario_text(text, path)) << path;
    const std::vector<json::json_pointer> pointers = all_pointers(doc);
    std::vector<json::json_pointer> numbers, keys;
    for (const auto& p : pointers) {
      if (doc[p].is_number()) numbers.push_back(p);
      if (!p.empty() && doc[p.parent_pointer()].is_object()) keys.push_back(p);
    }
    for (int i = 0; i < 40; ++i) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
      load_or_reject(text.substr(0, at), path, {}, path + " cut at " + std::to_string(at), tally);

      std::string flipped = text;
      flipped[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      load_or_reject(flipped, path, {}, path + " byte " + std::to_string(at) + " flipped", tally);

      const json::json_pointer& swapped = pick(pointers, rng);
      const std::string& swap = pick(kSwaps, rng);
      load_or_reject(with_raw_value(doc, swapped, swap), path, {}, path + " " + swapped.to_string() + "=" + swap, tally);

      const json::json_pointer& number = pick(numbers, rng);
      const std::string& extreme = pick(kExtremes, rng);
      load_or_reject(with_raw_value(doc, number, extreme), path, {}, path + " " + number.to_string() + "=" + extreme,
                     tally);

      json deleted = doc;
      const json::json_pointer& key = pick(keys, rng);
      deleted[key.parent_pointer()].erase(key.back());
      load_or_reject(deleted.dump(1), path, {}, path + " without " + key.to_string(), tally);

      const Override set{"cluster.hardware." + pick(kHardwareFields, rng), pick(kExtremes, rng)};
      load_or_reject(text, path, {set}, path + " --set " + set.path + "=" + set.value, tally);
      cases += 6;
    }
  }
  EXPECT_EQ(tally.loaded + tally.rejected, cases) << "every case loads or is an InputError";
  // Most mutations break the input; some (inside strings, in-range numbers) keep it valid.
  EXPECT_GT(tally.loaded, 0);
  EXPECT_GT(tally.rejected, cases / 2);
}

}  // namespace
}  // namespace lcperf::core

// Fuzz target: `--set path=value` texts applied to a valid scenario -> the scenario with
// the overrides, or an InputError (core::parse_override, then core::load_scenario_text as
// `lcperf simulate/replay SCENARIO --set ...` does). The first byte picks the scenario
// (modulo 3: a training smoke run, an Azure serving replay, a DistKV smoke run, so every
// kind's fields are reachable); every following line is one --set text.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "fuzz/fuzz_target.hpp"

namespace {

struct Base {
  std::string path;
  std::string text;
};

const std::vector<Base>& bases() {
  static const std::vector<Base> all = [] {
    std::vector<Base> out;
    for (const char* rel : {"/scenarios/smoke/llama3-8b-8xh200-1f1b.json", "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json",
                            "/scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json"}) {
      const std::string path = std::string(LCPERF_SOURCE_DIR) + rel;
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      out.push_back({path, text.str()});
    }
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Base& base = bases()[data[0] % bases().size()];
  const std::string_view rest = lcperf::fuzz::as_text(data + 1, size - 1);
  return lcperf::fuzz::expect_input_errors_only("", [&] {
    std::vector<lcperf::core::Override> overrides;
    std::size_t begin = rest.empty() || rest.front() != '\n' ? 0 : 1;  // the newline after the selector
    while (begin < rest.size()) {
      std::size_t end = rest.find('\n', begin);
      if (end == std::string_view::npos) end = rest.size();
      overrides.push_back(lcperf::core::parse_override(std::string(rest.substr(begin, end - begin))));
      begin = end + 1;
    }
    (void)lcperf::core::load_scenario_text(base.text, base.path, overrides);
  });
}

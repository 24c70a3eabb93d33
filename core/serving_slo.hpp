#pragma once
// A serving latency SLO (`serving.slo`, `--slo ttft=0.5,tpot=0.05`): bounds in seconds
// on time to first token, time per output token and end-to-end latency, each optional.
// Whether a request meets it is schedulers/serving/slo.hpp's; none set means no SLO.
#include <optional>
#include <string>

namespace lcperf::core {

struct ServingSlo {
  std::optional<double> ttft_s;
  std::optional<double> tpot_s;
  std::optional<double> e2e_s;
  bool any() const { return ttft_s || tpot_s || e2e_s; }
  bool operator==(const ServingSlo&) const = default;
};

// "ttft=0.5,tpot=0.05[,e2e=10]" (seconds, each part optional, at least one): the text
// of a command-line option. Throws InputError naming `option` and the bad part.
ServingSlo parse_slo_text(const std::string& text, const std::string& option);

}  // namespace lcperf::core

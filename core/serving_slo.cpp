#include "core/serving_slo.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "core/errors.hpp"

namespace lcperf::core {

namespace {

// A bound is a finite positive number of seconds, the whole of its text.
std::optional<double> seconds_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) || !(value > 0)) return std::nullopt;
  return value;
}

[[noreturn]] void fail(const std::string& option, const std::string& text, const std::string& part,
                       const std::string& rule) {
  throw InputError(option + " \"" + text + "\": part \"" + part + "\": " + rule);
}

}  // namespace

ServingSlo parse_slo_text(const std::string& text, const std::string& option) {
  ServingSlo slo;
  std::istringstream parts(text);
  for (std::string part; std::getline(parts, part, ',');) {
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) fail(option, text, part, "expected NAME=SECONDS with NAME ttft, tpot or e2e");
    const std::string name = part.substr(0, eq);
    std::optional<double>* bound = name == "ttft" ? &slo.ttft_s : name == "tpot" ? &slo.tpot_s
                                                   : name == "e2e"  ? &slo.e2e_s
                                                                    : nullptr;
    if (bound == nullptr) fail(option, text, part, "unknown bound \"" + name + "\" (ttft, tpot or e2e)");
    if (bound->has_value()) fail(option, text, part, "\"" + name + "\" is given twice");
    *bound = seconds_of(part.substr(eq + 1));
    if (!bound->has_value()) fail(option, text, part, "the bound must be a positive number of seconds");
  }
  if (!slo.any()) throw InputError(option + " \"" + text + "\": no bound given (e.g. ttft=0.5,tpot=0.05)");
  return slo;
}

}  // namespace lcperf::core

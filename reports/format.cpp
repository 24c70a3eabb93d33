#include "reports/format.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "core/units.hpp"

namespace lcperf::reports {

std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out;
  if (length > 0) {
    std::vector<char> buffer(static_cast<std::size_t>(length) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), format, args);
    out.assign(buffer.data(), static_cast<std::size_t>(length));
  }
  va_end(args);
  return out;
}

std::string format_duration(double seconds) {
  const double magnitude = std::fabs(seconds);
  if (magnitude >= 1.0) return printf_string("%.3f s", seconds);
  if (magnitude >= 1e-3) return printf_string("%.3f ms", seconds * 1e3);
  if (magnitude == 0) return "0 s";
  return printf_string("%.3f us", seconds * 1e6);
}

std::string format_bytes(double bytes) {
  const double magnitude = std::fabs(bytes);
  if (magnitude >= kGiB) return printf_string("%.2f GiB", bytes / kGiB);
  if (magnitude >= kMiB) return printf_string("%.2f MiB", bytes / kMiB);
  if (magnitude >= kKiB) return printf_string("%.2f KiB", bytes / kKiB);
  return printf_string("%.0f B", bytes);
}

std::string gib_text(double bytes) { return printf_string("%.2f", bytes / kGiB); }

std::string format_percent(double ratio) { return printf_string("%.2f %%", ratio * 100.0); }

std::string format_count(std::uint64_t count) {
  std::string digits = std::to_string(count);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_tokens_per_s(double tokens_per_s) {
  if (!std::isfinite(tokens_per_s) || tokens_per_s < 0) return printf_string("%g tokens/s", tokens_per_s);
  return format_count(static_cast<std::uint64_t>(std::llround(tokens_per_s))) + " tokens/s";
}

std::string format_flops(double flops) {
  const double magnitude = std::fabs(flops);
  if (magnitude >= 1e18) return printf_string("%.2f EFLOP", flops / 1e18);
  if (magnitude >= 1e15) return printf_string("%.2f PFLOP", flops / 1e15);
  if (magnitude >= 1e12) return printf_string("%.2f TFLOP", flops / 1e12);
  if (magnitude >= 1e9) return printf_string("%.2f GFLOP", flops / 1e9);
  return printf_string("%.0f FLOP", flops);
}

std::string format_number(double value) { return printf_string("%.6g", value); }

std::string format_quantity(double value, const std::string& unit) {
  if (unit == "s") return format_duration(value);
  if (unit == "bytes") return format_bytes(value);
  if (unit == "ratio") return format_percent(value);
  if (unit == "tokens/s") return format_tokens_per_s(value);
  if (unit == "flops") return format_flops(value);
  if (unit.empty()) return format_number(value);
  return format_number(value) + " " + unit;
}

}  // namespace lcperf::reports

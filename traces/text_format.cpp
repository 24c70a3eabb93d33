#include "traces/text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace lcperf::traces {

namespace {

// JSON has no NaN or infinity; such a value in a record is a bug upstream, but the
// exporter must still produce a file that parses, so it writes null.
bool append_non_finite(std::string& out, double value) {
  if (std::isfinite(value)) return false;
  out += "null";
  return true;
}

}  // namespace

void append_shortest(std::string& out, double value) {
  if (append_non_finite(out, value)) return;
  if (value == 0) value = 0;  // "-0" reads oddly in a trace
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_fixed(std::string& out, double value, int decimals) {
  if (append_non_finite(out, value)) return;
  char buffer[400];  // fixed notation of 1e308 needs ~310 characters
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  // Rounding can turn a tiny negative into "-0.000"; print it as zero.
  if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string_view::npos) text.remove_prefix(1);
  out += text;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string shortest_text(double value) {
  std::string out;
  append_shortest(out, value);
  return out;
}

}  // namespace lcperf::traces

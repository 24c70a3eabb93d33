#pragma once
// Number and string formatting for the exporters. Locale-independent and exact
// (std::to_chars), so the same records always give the same bytes.
#include <string>
#include <string_view>

namespace lcperf::traces {

// Shortest text that reads back as the same double ("1e+12", "0.5", "3").
void append_shortest(std::string& out, double value);
// The same as a string, for messages and descriptions.
std::string shortest_text(double value);
// Fixed notation with `decimals` digits after the point ("12.500").
void append_fixed(std::string& out, double value, int decimals);
// A JSON string literal, quotes included, with control characters escaped.
void append_json_string(std::string& out, std::string_view text);

}  // namespace lcperf::traces

#include "traces/text_lines.hpp"

namespace lcperf::traces {

std::string_view trim_field(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_blank(std::string_view line) { return trim_field(line).empty(); }

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(
        trim_field(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// Built by appending: GCC 12 warns falsely (bug 105329) on "literal" + std::string(view).
std::string quote_field(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string out(1, '\'');
  out.append(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out.append("...");
  out.push_back('\'');
  return out;
}

}  // namespace lcperf::traces

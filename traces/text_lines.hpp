#pragma once
// Line and field helpers every text reader in traces/ shares (length files, CSV tables,
// serving traces), so they all number lines and trim fields the same way.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::traces {

// The text without a leading UTF-8 byte-order mark (spreadsheet exports start with one).
inline std::string_view without_bom(std::string_view text) {
  return text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
}

// Calls visit(number, line) for every line (1-based numbers; a byte-order mark, '\n'
// and a trailing '\r' removed) until visit returns false.
template <typename Visit>
void for_each_line(std::string_view text, Visit&& visit) {
  text = without_bom(text);
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    start = end + 1;
    if (!visit(number, line)) return;
  }
}

// Spaces, tabs and '\r' removed at both ends.
std::string_view trim_field(std::string_view text);
bool is_blank(std::string_view line);
// Comma-separated fields, each trimmed. No quoting.
std::vector<std::string_view> split_fields(std::string_view line);
// 'text', cut after 40 characters, for messages.
std::string quote_field(std::string_view text);

}  // namespace lcperf::traces

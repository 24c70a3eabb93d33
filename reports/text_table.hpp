#pragma once
// Tables as aligned terminal text or as Markdown, from the same rows, so the terminal
// summary and report.md never disagree.
#include <string>
#include <vector>

namespace lcperf::reports {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // Per column: right-align (numbers) or left-align (names). Missing entries: left.
  std::vector<bool> right_aligned;
};

// Fixed-width text with a rule under the header:
//   metric          | value
//   ----------------+----------
//   iteration time  | 12.345 ms
std::string render_text(const Table& table);
// GitHub-flavoured Markdown; '|' inside cells is escaped.
std::string render_markdown(const Table& table);

}  // namespace lcperf::reports

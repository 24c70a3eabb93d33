#pragma once
// Tables as aligned terminal text, Markdown or HTML, from the same rows, so the terminal
// summary and report.md never disagree. This is the one table writer of lcperf: every
// Markdown table (report.md, the `lcperf report` twin page, the reproduction and memory
// studies) goes through render_markdown, so escaping and column rules are decided once.
#include <string>
#include <vector>

namespace lcperf::reports {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // Per column: right-align (numbers) or left-align (names). Missing entries: left.
  std::vector<bool> right_aligned;
  // Optional, for HTML: per row and column the number a click on the header sorts by
  // (the shown text may carry units: "1.50 GiB" vs "900 MiB"); NaN sorts by the text.
  std::vector<std::vector<double>> sort_keys;
};

// Fixed-width text with a rule under the header:
//   metric          | value
//   ----------------+----------
//   iteration time  | 12.345 ms
std::string render_text(const Table& table);
// GitHub-flavoured Markdown; '|' inside cells is escaped, a newline becomes a blank.
// Every cell is written as " text |", so an empty cell reads "|  |". A column is marked
// right-aligned ("---:") only where `right_aligned` says so; otherwise its rule is "---".
std::string render_markdown(const Table& table);
// An HTML <table>; `sortable` marks it for the page's one sorting script (html_page),
// each cell carrying its sort key.
std::string render_html(const Table& table, bool sortable);

}  // namespace lcperf::reports

#include "reports/text_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/svg_plot.hpp"

namespace lcperf::reports {

namespace {

// Display width in characters: UTF-8 continuation bytes take no column ("µ", "×").
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string cell(const std::vector<std::string>& row, std::size_t column) {
  return column < row.size() ? row[column] : std::string();
}

bool is_right_aligned(const Table& table, std::size_t column) {
  return column < table.right_aligned.size() && table.right_aligned[column];
}

std::string padded(const std::string& text, std::size_t width, bool right) {
  const std::size_t fill = width > display_width(text) ? width - display_width(text) : 0;
  return right ? std::string(fill, ' ') + text : text + std::string(fill, ' ');
}

}  // namespace

std::string render_text(const Table& table) {
  const std::size_t columns = table.headers.size();
  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t c = 0; c < columns; ++c) {
    widths[c] = display_width(table.headers[c]);
    for (const auto& row : table.rows) widths[c] = std::max(widths[c], display_width(cell(row, c)));
  }
  auto line = [&](const std::vector<std::string>& row, bool header) {
    std::string out;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) out += " | ";
      std::string text = padded(cell(row, c), widths[c], !header && is_right_aligned(table, c));
      if (c + 1 == columns) text.erase(text.find_last_not_of(' ') + 1);  // no trailing blanks
      out += text;
    }
    return out + "\n";
  };
  std::string out = line(table.headers, true);
  for (std::size_t c = 0; c < columns; ++c) {
    if (c > 0) out += "-+-";
    out += std::string(widths[c], '-');
  }
  out += "\n";
  for (const auto& row : table.rows) out += line(row, false);
  return out;
}

std::string render_markdown(const Table& table) {
  auto escape = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      if (c == '|') out += '\\';
      out += c == '\n' ? ' ' : c;
    }
    return out;
  };
  const std::size_t columns = table.headers.size();
  std::string out = "|";
  for (const auto& header : table.headers) {
    out += ' ';
    out += escape(header);
    out += " |";
  }
  out += "\n|";
  for (std::size_t c = 0; c < columns; ++c) out += is_right_aligned(table, c) ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : table.rows) {
    out += "|";
    for (std::size_t c = 0; c < columns; ++c) {
      out += ' ';
      out += escape(cell(row, c));
      out += " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace lcperf::reports

namespace lcperf::reports {

std::string render_html(const Table& table, bool sortable) {
  const std::size_t columns = table.headers.size();
  std::string out = sortable ? "<table class=\"sortable\">\n<tr>" : "<table>\n<tr>";
  for (std::size_t c = 0; c < columns; ++c) {
    out += "<th";
    if (sortable) out += " title=\"click to sort\"";
    out += '>';
    out += svg::escape(table.headers[c]);
    out += "</th>";
  }
  out += "</tr>\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out += "<tr>";
    for (std::size_t c = 0; c < columns; ++c) {
      out += is_right_aligned(table, c) ? "<td class=\"v\"" : "<td";
      if (r < table.sort_keys.size() && c < table.sort_keys[r].size() && std::isfinite(table.sort_keys[r][c])) {
        char key[32];
        std::snprintf(key, sizeof key, "%.17g", table.sort_keys[r][c]);
        out += " data-sort=\"";
        out += key;
        out += '"';
      }
      out += '>';
      out += svg::escape(cell(table.rows[r], c));
      out += "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace lcperf::reports

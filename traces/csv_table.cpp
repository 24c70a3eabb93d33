#include "traces/csv_table.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include "core/errors.hpp"
#include "traces/text_lines.hpp"

namespace lcperf::traces {

CsvTable::CsvTable(std::string_view text, std::string origin) : origin_(std::move(origin)) {
  text = without_bom(text);
  bool have_header = false;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim_field(text.substr(start, end - start));
    ++line_number;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.find('"') != std::string_view::npos) {
      throw core::InputError(origin_ + ":" + std::to_string(line_number) + ": quoted fields are not supported in length files");
    }
    std::vector<std::string_view> fields = split_fields(line);
    if (!have_header) {
      for (std::string_view name : fields) {
        if (name.empty()) throw core::InputError(origin_ + ":" + std::to_string(line_number) + ": empty column name in the header");
        if (column(name)) {
          throw core::InputError(origin_ + ":" + std::to_string(line_number) + ": duplicate column " + quote_field(name) + " in the header");
        }
        header_.emplace_back(name);
      }
      have_header = true;
      continue;
    }
    if (fields.size() != header_.size()) {
      throw core::InputError(origin_ + ":" + std::to_string(line_number) + ": expected " + std::to_string(header_.size()) +
                             " fields (as in the header), got " + std::to_string(fields.size()));
    }
    rows_.push_back({line_number, std::move(fields)});
  }
  if (!have_header) throw core::InputError(origin_ + ": no header line (the file is empty)");
}

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

void CsvTable::fail(const CsvRow& row, const std::string& message) const {
  throw core::InputError(origin_ + ":" + std::to_string(row.line) + ": " + message);
}

std::int64_t CsvTable::integer(const CsvRow& row, std::size_t column, std::int64_t min, std::int64_t max) const {
  const std::string_view field = row.fields[column];
  const std::string where = "column '" + header_[column] + "': ";
  if (field.empty()) fail(row, where + "empty field");
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error == std::errc::result_out_of_range) fail(row, where + quote_field(field) + " is out of range");
  if (error != std::errc() || end != field.data() + field.size()) fail(row, where + quote_field(field) + " is not a whole number");
  if (value < min) fail(row, where + "must be at least " + std::to_string(min) + " (got " + std::to_string(value) + ")");
  if (value > max) fail(row, where + "must be at most " + std::to_string(max) + " (got " + std::to_string(value) + ")");
  return value;
}

double CsvTable::number(const CsvRow& row, std::size_t column) const {
  const std::string_view field = row.fields[column];
  const std::string where = "column '" + header_[column] + "': ";
  if (field.empty()) fail(row, where + "empty field");
  double value = 0.0;
  // from_chars is locale-independent, unlike strtod.
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) {
    fail(row, where + quote_field(field) + " is not a finite number");
  }
  return value;
}

}  // namespace lcperf::traces

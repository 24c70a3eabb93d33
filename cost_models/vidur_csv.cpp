#include "cost_models/vidur_csv.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include "core/errors.hpp"

namespace lcperf::cost {

namespace {

std::string_view trimmed(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trimmed(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace

std::optional<TimeStatColumn> parse_time_stat_column(std::string_view name) {
  if (!name.starts_with(kVidurTimePrefix)) return std::nullopt;
  name.remove_prefix(kVidurTimePrefix.size());
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  return TimeStatColumn{std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))};
}

VidurCsv::VidurCsv(std::string_view text, std::string origin) : origin_(std::move(origin)), text_(text) {
  const auto at = [this](std::size_t line) { return origin_ + ":" + std::to_string(line) + ": "; };
  bool have_header = false;
  std::size_t number = 0;
  for (std::size_t start = 0; start < text_.size();) {
    std::size_t end = text_.find('\n', start);
    if (end == std::string::npos) end = text_.size();
    const std::string_view line = trimmed(std::string_view(text_).substr(start, end - start));
    ++number;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.find('"') != std::string_view::npos) throw core::InputError(at(number) + "quoted fields are not supported");
    std::vector<std::string_view> fields = split_fields(line);
    if (!have_header) {
      header_line_ = number;
      have_header = true;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        // pandas' unnamed index column: named instead of rejected.
        std::string name = i == 0 && fields[i].empty() ? "index" : std::string(fields[i]);
        if (name.empty()) throw core::InputError(at(number) + "empty column name in the header");
        if (column(name)) fail_header(name, "appears twice in the header");
        header_.push_back(std::move(name));
      }
      continue;
    }
    if (fields.size() != header_.size()) {
      throw core::InputError(at(number) + "expected " + std::to_string(header_.size()) +
                             " fields (as in the header), got " + std::to_string(fields.size()));
    }
    rows_.push_back({number, std::move(fields)});
  }
  if (!have_header) throw core::InputError(origin_ + ": no header line (the file is empty)");
}

std::optional<std::size_t> VidurCsv::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

void VidurCsv::fail_header(std::string_view column, const std::string& problem) const {
  throw core::InputError(origin_ + ":" + std::to_string(header_line_) + ": column '" + std::string(column) + "': " +
                         problem);
}

void VidurCsv::fail(const CsvRow& row, const std::string& problem) const {
  throw core::InputError(origin_ + ":" + std::to_string(row.line) + ": " + problem);
}

std::size_t VidurCsv::require(std::string_view column_name, std::string_view why) const {
  if (auto index = column(column_name)) return *index;
  fail_header(column_name, "missing (" + std::string(why) + ")");
}

void VidurCsv::check_time_column(std::string_view name, const std::vector<std::string_view>& ops) const {
  const auto parsed = parse_time_stat_column(name);
  if (!parsed) fail_header(name, "not a time_stats.<op>.<stat> column");
  bool known_op = false;
  std::string op_list;
  for (std::string_view op : ops) {
    known_op = known_op || op == parsed->op;
    op_list += (op_list.empty() ? "" : ", ") + std::string(op);
  }
  if (!known_op) fail_header(name, "unknown op '" + parsed->op + "' (known: " + op_list + ")");
  for (std::string_view stat : kVidurStats) {
    if (stat == parsed->stat) return;
  }
  fail_header(name, "unknown statistic '" + parsed->stat +
                        "' (known: min, max, mean, median, std; times are in milliseconds)");
}

std::int64_t VidurCsv::integer(const CsvRow& row, std::size_t column_index, std::int64_t min,
                               std::int64_t max) const {
  const std::string_view field = row.fields[column_index];
  const std::string where = "column '" + header_[column_index] + "': ";
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc() || end != field.data() + field.size()) {
    fail(row, where + "'" + std::string(field) + "' is not a whole number");
  }
  if (value < min) fail(row, where + "must be at least " + std::to_string(min) + " (got " + std::to_string(value) + ")");
  if (value > max) fail(row, where + "must be at most " + std::to_string(max) + " (got " + std::to_string(value) + ")");
  return value;
}

double VidurCsv::number(const CsvRow& row, std::size_t column_index) const {
  const std::string_view field = row.fields[column_index];
  double value = 0.0;
  // from_chars is locale-independent, unlike strtod.
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) {
    fail(row, "column '" + header_[column_index] + "': '" + std::string(field) + "' is not a finite number");
  }
  return value;
}

double VidurCsv::seconds(const CsvRow& row, std::size_t column_index) const {
  const double ms = number(row, column_index);
  const bool is_std = header_[column_index].ends_with(".std");
  if (is_std ? !(ms >= 0) : !(ms > 0)) {
    fail(row, "column '" + header_[column_index] + "': time must be " + (is_std ? ">= 0" : "> 0") +
                  " milliseconds (got " + std::string(row.fields[column_index]) + ")");
  }
  return ms * 1e-3;
}

bool VidurCsv::boolean(const CsvRow& row, std::size_t column_index) const {
  const std::string_view field = row.fields[column_index];
  if (field == "True" || field == "true" || field == "1") return true;
  if (field == "False" || field == "false" || field == "0") return false;
  fail(row, "column '" + header_[column_index] + "': '" + std::string(field) + "' is not True or False");
}

}  // namespace lcperf::cost

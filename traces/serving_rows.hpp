#pragma once
// Machinery shared by the serving-trace readers (internal, not a public API): walking
// lines, splitting CSV fields, parsing token counts, and the corrupt-row policy. Kept in
// one place so every format words, locates and counts its problems the same way.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traces/serving_readers.hpp"
#include "traces/text_lines.hpp"

namespace lcperf::traces::serving_detail {

// A problem confined to one row. Parsers throw it without a location; RowCollector adds
// "FILE:LINE: " and either rethrows it as an InputError or counts the row as skipped.
class RowProblem : public std::runtime_error {
 public:
  explicit RowProblem(const std::string& message) : std::runtime_error(message) {}
};

using traces::for_each_line;
using traces::is_blank;
using traces::quote_field;
using traces::split_fields;
// Blank, or a '#' comment (CSV files may carry their attribution in comments).
bool is_skipped_csv_line(std::string_view line);

// A token count in [min_tokens, 2^40]; `what` names the column or key in messages.
std::int64_t parse_tokens(std::string_view field, std::string_view what, std::int64_t min_tokens);
std::int64_t check_tokens(std::int64_t value, std::string_view what, std::int64_t min_tokens);
// A finite decimal number (locale-independent).
double parse_number(std::string_view field, std::string_view what);

// The header of a CSV trace: column positions by name.
class CsvHeader {
 public:
  CsvHeader(std::string_view line, std::string origin, std::size_t line_number);
  // Position of a column the format needs; absent is an InputError for the whole file.
  std::size_t require(std::string_view name) const;
  std::size_t size() const { return names_.size(); }
  // The row's fields; a count different from the header's is a RowProblem.
  std::vector<std::string_view> fields_of(std::string_view line) const;

 private:
  std::string origin_;
  std::size_t line_number_;
  std::vector<std::string> names_;
};

// Collects the requests of one file and applies the corrupt-row policy.
class RowCollector {
 public:
  RowCollector(std::string origin, std::string format, const ServingReadOptions& options);

  // Reads one row: `parse` returns the request (id is assigned here), std::nullopt for
  // a valid row the format filters out, or throws RowProblem.
  template <typename Parse>
  void row(std::size_t line, Parse&& parse) {
    try {
      std::optional<ServingRequest> request = parse();
      if (!request) {
        ++counts_.filtered;
        return;
      }
      accept(std::move(*request));
    } catch (const RowProblem& problem) {
      reject(line, problem.what());
    }
  }

  // Sorts by arrival (stable), shifts arrivals so the first is 0 when asked, and
  // stores the counts (when not null). No request left is an InputError.
  ServingTrace finish(bool start_at_zero, ServingReadCounts* counts);

  [[noreturn]] void fail_file(const std::string& message) const;  // "ORIGIN: MESSAGE"
  const std::string& origin() const { return origin_; }

 private:
  void accept(ServingRequest request);
  void reject(std::size_t line, const std::string& problem);

  std::string origin_;
  std::string format_;
  ServingReadOptions options_;
  ServingReadCounts counts_;
  std::vector<ServingRequest> requests_;
  double latest_arrival_s_ = -std::numeric_limits<double>::infinity();
};

}  // namespace lcperf::traces::serving_detail

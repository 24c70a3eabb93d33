#pragma once
// What the two Vidur table kinds (vidur_compute_table.hpp, vidur_network_table.hpp)
// share: a strict CSV (a header naming the columns, then rows with as many plain
// comma-separated fields; no quoting, blank lines and '#' lines skipped, CRLF accepted)
// whose timing columns are named `time_stats.<op>.<stat>` and hold milliseconds. pandas
// writes its row index as a first column with an empty name (the network tables have
// one); it is named "index" here. cost_models/ reads only core/ (the seam wall), so this
// is its own small reader rather than traces/'s. Every error is a core::InputError
// "FILE:LINE: column 'C': PROBLEM".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::cost {

inline constexpr std::string_view kVidurTimePrefix = "time_stats.";

// The statistics Vidur records per op over its repetitions.
inline constexpr std::string_view kVidurStats[] = {"min", "max", "mean", "median", "std"};

struct TimeStatColumn {
  std::string op;
  std::string stat;
};
// "time_stats.<op>.<stat>" split in two; nullopt for any other column name.
std::optional<TimeStatColumn> parse_time_stat_column(std::string_view name);

struct CsvRow {
  std::size_t line = 0;                  // 1-based line in the file
  std::vector<std::string_view> fields;  // trimmed; views into the table's own text
};

class VidurCsv {
 public:
  // A missing header, an empty or duplicate column name, a quote, or a row whose field
  // count differs from the header's is an error.
  VidurCsv(std::string_view text, std::string origin);
  VidurCsv(const VidurCsv&) = delete;
  VidurCsv& operator=(const VidurCsv&) = delete;

  const std::string& origin() const { return origin_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<CsvRow>& rows() const { return rows_; }
  std::optional<std::size_t> column(std::string_view name) const;

  // "FILE:LINE: column 'C': PROBLEM" for the header line.
  [[noreturn]] void fail_header(std::string_view column, const std::string& problem) const;
  // "FILE:LINE: PROBLEM" for a row.
  [[noreturn]] void fail(const CsvRow& row, const std::string& problem) const;
  // The column's index; a missing one is an error naming the header line.
  std::size_t require(std::string_view column, std::string_view why) const;
  // Checks a timing column name: the op must be in `ops`, the statistic a known one.
  void check_time_column(std::string_view column, const std::vector<std::string_view>& ops) const;

  // Typed fields.
  std::int64_t integer(const CsvRow& row, std::size_t column, std::int64_t min, std::int64_t max) const;
  double number(const CsvRow& row, std::size_t column) const;
  // A time field in milliseconds, returned in seconds; must be > 0 (std may be 0).
  double seconds(const CsvRow& row, std::size_t column) const;
  // "True"/"False" (pandas' spelling of a bool; "true"/"false", 1/0 also accepted).
  bool boolean(const CsvRow& row, std::size_t column) const;

 private:
  std::string origin_;
  std::string text_;  // the rows' fields are views into it
  std::size_t header_line_ = 1;
  std::vector<std::string> header_;
  std::vector<CsvRow> rows_;
};

}  // namespace lcperf::cost

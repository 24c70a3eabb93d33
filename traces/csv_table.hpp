#pragma once
// A minimal CSV reader for length files: a header line naming the columns, then rows
// of plain comma-separated fields. No quoting (length files never need it; a quote is
// rejected rather than misread). Blank lines and lines starting with '#' are skipped,
// so a file can carry its attribution in comments. CRLF line ends are accepted.
//
// Every error is a core::InputError "FILE:LINE: PROBLEM".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::traces {

struct CsvRow {
  std::size_t line = 0;                  // 1-based line in the file
  std::vector<std::string_view> fields;  // trimmed; views into the table's text
};

class CsvTable {
 public:
  // Splits `text` (which must outlive the table). A missing header, a duplicate column
  // name, a quote, or a row whose field count differs from the header's is an error.
  CsvTable(std::string_view text, std::string origin);

  const std::string& origin() const { return origin_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<CsvRow>& rows() const { return rows_; }
  std::optional<std::size_t> column(std::string_view name) const;

  // Typed fields, with "FILE:LINE: column 'C': PROBLEM" messages.
  std::int64_t integer(const CsvRow& row, std::size_t column, std::int64_t min, std::int64_t max) const;
  double number(const CsvRow& row, std::size_t column) const;
  [[noreturn]] void fail(const CsvRow& row, const std::string& message) const;

 private:
  std::string origin_;
  std::vector<std::string> header_;
  std::vector<CsvRow> rows_;
};

}  // namespace lcperf::traces

// Azure LLM inference traces (2023, 2024): TIMESTAMP,ContextTokens,GeneratedTokens.
#include <optional>

#include "traces/serving_readers.hpp"
#include "traces/serving_rows.hpp"
#include "traces/wall_clock.hpp"

namespace lcperf::traces {

using serving_detail::CsvHeader;
using serving_detail::RowCollector;
using serving_detail::RowProblem;

ServingTrace read_azure_csv(std::string_view text, const std::string& origin, const ServingReadOptions& options,
                            ServingReadCounts* counts) {
  RowCollector collector(origin, "azure", options);
  std::optional<CsvHeader> header;
  std::size_t timestamp = 0;
  std::size_t context = 0;
  std::size_t generated = 0;
  // Arrivals are measured from the first request read, exactly (integer nanoseconds),
  // then shifted so the earliest one is 0 (finish), in case the file starts slightly
  // out of order.
  std::optional<WallClock> first;
  serving_detail::for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (serving_detail::is_skipped_csv_line(line)) return true;
    if (!header) {
      header.emplace(line, origin, number);
      timestamp = header->require("TIMESTAMP");
      context = header->require("ContextTokens");
      generated = header->require("GeneratedTokens");
      return true;
    }
    collector.row(number, [&]() -> std::optional<ServingRequest> {
      const auto fields = header->fields_of(line);
      ServingRequest request;
      request.prompt_tokens = serving_detail::parse_tokens(fields[context], "column 'ContextTokens'", 1);
      request.output_tokens = serving_detail::parse_tokens(fields[generated], "column 'GeneratedTokens'", 1);
      const std::optional<WallClock> clock = parse_wall_clock(fields[timestamp]);
      if (!clock) {
        throw RowProblem("column 'TIMESTAMP': " + serving_detail::quote_field(fields[timestamp]) +
                         " is not a timestamp 'YYYY-MM-DD HH:MM:SS[.fraction][+HH:MM]'");
      }
      if (!first) first = clock;
      request.arrival_s = seconds_between(*first, *clock);
      return request;
    });
    return true;
  });
  if (!header) collector.fail_file("no header line (the file is empty)");
  return collector.finish(/*start_at_zero=*/true, counts);
}

}  // namespace lcperf::traces

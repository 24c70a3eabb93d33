// BurstGPT (ChatGPT / GPT-4 on Azure OpenAI):
// Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type.
#include <optional>

#include "traces/serving_readers.hpp"
#include "traces/serving_rows.hpp"

namespace lcperf::traces {

using serving_detail::CsvHeader;
using serving_detail::RowCollector;
using serving_detail::RowProblem;

ServingTrace read_burstgpt_csv(std::string_view text, const std::string& origin, const ServingReadOptions& options,
                               ServingReadCounts* counts) {
  RowCollector collector(origin, "burstgpt", options);
  std::optional<CsvHeader> header;
  std::size_t timestamp = 0;
  std::size_t request_tokens = 0;
  std::size_t response_tokens = 0;
  serving_detail::for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (serving_detail::is_skipped_csv_line(line)) return true;
    if (!header) {
      header.emplace(line, origin, number);
      timestamp = header->require("Timestamp");
      request_tokens = header->require("Request tokens");
      response_tokens = header->require("Response tokens");
      // Model, Total tokens, Log Type (and v2's Session ID, Elapsed time) do not change
      // what is replayed; they are not required, so trimmed exports load too.
      return true;
    }
    collector.row(number, [&]() -> std::optional<ServingRequest> {
      const auto fields = header->fields_of(line);
      ServingRequest request;
      request.arrival_s = serving_detail::parse_number(fields[timestamp], "column 'Timestamp'");
      if (request.arrival_s < 0.0) throw RowProblem("column 'Timestamp': must not be negative");
      // 0 is allowed here only to recognise the rows that are filtered below.
      request.prompt_tokens = serving_detail::parse_tokens(fields[request_tokens], "column 'Request tokens'", 0);
      request.output_tokens = serving_detail::parse_tokens(fields[response_tokens], "column 'Response tokens'", 0);
      // BurstGPT marks a failed request by 0 response tokens; a request with no prompt
      // tokens cannot be prefilled. Neither is load a server would have carried.
      if (request.output_tokens == 0 || request.prompt_tokens == 0) return std::nullopt;
      return request;
    });
    return true;
  });
  if (!header) collector.fail_file("no header line (the file is empty)");
  return collector.finish(/*start_at_zero=*/false, counts);
}

}  // namespace lcperf::traces

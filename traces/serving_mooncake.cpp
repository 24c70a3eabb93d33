// Mooncake FAST'25 traces: one JSON object per line with timestamp (ms), input_length,
// output_length and hash_ids (512-token prefix blocks).
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "traces/length_bin.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_rows.hpp"

namespace lcperf::traces {

using serving_detail::RowCollector;
using serving_detail::RowProblem;

namespace {

const nlohmann::json& field(const nlohmann::json& row, const char* key) {
  const auto it = row.find(key);
  if (it == row.end()) throw RowProblem(std::string("missing key '") + key + "'");
  return *it;
}

// Integral JSON numbers only; 512.0 is accepted as 512 (some converters write floats).
std::int64_t tokens(const nlohmann::json& row, const char* key) {
  const nlohmann::json& value = field(row, key);
  const std::string what = std::string("key '") + key + "'";
  // Above 2^63 an unsigned value would wrap to a negative int64; report it as too large.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxSequenceLength)) {
    throw RowProblem(what + ": " + value.dump() + " tokens exceeds the supported maximum " + std::to_string(kMaxSequenceLength));
  }
  if (value.is_number_integer()) return serving_detail::check_tokens(value.get<std::int64_t>(), what, 1);
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) <= 9.0e15) {
      return serving_detail::check_tokens(static_cast<std::int64_t>(number), what, 1);
    }
  }
  throw RowProblem(what + ": " + value.dump() + " is not a whole number");
}

std::vector<std::uint64_t> hashes(const nlohmann::json& row) {
  const auto it = row.find("hash_ids");
  if (it == row.end()) return {};
  if (!it->is_array()) throw RowProblem("key 'hash_ids': must be an array of non-negative integers");
  std::vector<std::uint64_t> ids;
  ids.reserve(it->size());
  for (const nlohmann::json& id : *it) {
    if (!id.is_number_unsigned()) {
      throw RowProblem("key 'hash_ids': element " + std::to_string(ids.size()) + " (" + id.dump() + ") is not a non-negative integer");
    }
    ids.push_back(id.get<std::uint64_t>());
  }
  return ids;
}

}  // namespace

ServingTrace read_mooncake_jsonl(std::string_view text, const std::string& origin, const ServingReadOptions& options,
                                 ServingReadCounts* counts) {
  RowCollector collector(origin, "mooncake", options);
  serving_detail::for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (serving_detail::is_blank(line)) return true;
    collector.row(number, [&]() -> std::optional<ServingRequest> {
      // No exceptions from the parser: a malformed line is one corrupt row, not a crash.
      const nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (row.is_discarded()) throw RowProblem("malformed JSON");
      if (!row.is_object()) throw RowProblem("expected a JSON object");
      const nlohmann::json& timestamp = field(row, "timestamp");
      if (!timestamp.is_number()) throw RowProblem("key 'timestamp': " + timestamp.dump() + " is not a number");
      const double timestamp_ms = timestamp.get<double>();
      if (!std::isfinite(timestamp_ms) || timestamp_ms < 0.0) throw RowProblem("key 'timestamp': must be a non-negative number of ms");
      ServingRequest request;
      request.arrival_s = timestamp_ms / 1000.0;
      request.prompt_tokens = tokens(row, "input_length");
      request.output_tokens = tokens(row, "output_length");
      request.prefix_block_hashes = hashes(row);
      if (!request.prefix_block_hashes.empty()) request.block_tokens = kMooncakeBlockTokens;
      return request;
    });
    return true;
  });
  return collector.finish(/*start_at_zero=*/false, counts);
}

}  // namespace lcperf::traces

#include "traces/serving_rows.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "core/errors.hpp"
#include "traces/length_bin.hpp"
#include "traces/text_format.hpp"

namespace lcperf::traces::serving_detail {
namespace {

std::string_view trim(std::string_view text) { return trim_field(text); }

std::string seconds_text(double seconds) {
  std::string out;
  append_shortest(out, seconds);
  return out + " s";
}

}  // namespace


bool is_skipped_csv_line(std::string_view line) {
  const std::string_view text = trim(line);
  return text.empty() || text.front() == '#';
}

std::int64_t check_tokens(std::int64_t value, std::string_view what, std::int64_t min_tokens) {
  std::string where(what);
  if (value < 0) throw RowProblem(where + ": token count " + std::to_string(value) + " is negative");
  if (value < min_tokens) {
    throw RowProblem(where + ": must be at least " + std::to_string(min_tokens) + " token (got " + std::to_string(value) + ")");
  }
  if (value > kMaxSequenceLength) {
    throw RowProblem(where + ": " + std::to_string(value) + " tokens exceeds the supported maximum " + std::to_string(kMaxSequenceLength));
  }
  return value;
}

std::int64_t parse_tokens(std::string_view field, std::string_view what, std::int64_t min_tokens) {
  std::string where(what);
  if (field.empty()) throw RowProblem(where + ": empty field");
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error == std::errc::result_out_of_range) throw RowProblem(where + ": " + quote_field(field) + " is out of range");
  if (error != std::errc() || end != field.data() + field.size()) throw RowProblem(where + ": " + quote_field(field) + " is not a whole number");
  return check_tokens(value, what, min_tokens);
}

double parse_number(std::string_view field, std::string_view what) {
  std::string where(what);
  if (field.empty()) throw RowProblem(where + ": empty field");
  double value = 0.0;
  // from_chars is locale-independent, unlike strtod.
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) {
    throw RowProblem(where + ": " + quote_field(field) + " is not a finite number");
  }
  return value;
}

CsvHeader::CsvHeader(std::string_view line, std::string origin, std::size_t line_number)
    : origin_(std::move(origin)), line_number_(line_number) {
  for (std::string_view name : split_fields(line)) names_.emplace_back(name);
}

std::size_t CsvHeader::require(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  std::string found;
  for (const std::string& n : names_) found += (found.empty() ? "" : ", ") + quote_field(n);
  throw core::InputError(origin_ + ":" + std::to_string(line_number_) + ": the header has no column " + quote_field(name) +
                         " (found " + found + ")");
}

std::vector<std::string_view> CsvHeader::fields_of(std::string_view line) const {
  if (line.find('"') != std::string_view::npos) throw RowProblem("quoted fields are not supported");
  std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() != names_.size()) {
    throw RowProblem("expected " + std::to_string(names_.size()) + " fields (as in the header), got " + std::to_string(fields.size()));
  }
  return fields;
}

RowCollector::RowCollector(std::string origin, std::string format, const ServingReadOptions& options)
    : origin_(std::move(origin)), format_(std::move(format)), options_(options) {}

void RowCollector::accept(ServingRequest request) {
  if (!std::isfinite(request.arrival_s)) throw RowProblem("the arrival time is not finite");
  if (request.arrival_s < latest_arrival_s_ - options_.backwards_tolerance_s) {
    throw RowProblem("time goes backwards: arrival " + seconds_text(request.arrival_s) + " is before the previous arrival " +
                     seconds_text(latest_arrival_s_) + " by more than the tolerance of " + seconds_text(options_.backwards_tolerance_s));
  }
  latest_arrival_s_ = std::max(latest_arrival_s_, request.arrival_s);
  request.id = static_cast<std::int64_t>(requests_.size());
  requests_.push_back(std::move(request));
}

void RowCollector::reject(std::size_t line, const std::string& problem) {
  if (!options_.skip_corrupt) throw core::InputError(origin_ + ":" + std::to_string(line) + ": " + problem);
  ++counts_.skipped_corrupt;
}

void RowCollector::fail_file(const std::string& message) const { throw core::InputError(origin_ + ": " + message); }

ServingTrace RowCollector::finish(bool start_at_zero, ServingReadCounts* counts) {
  if (requests_.empty()) {
    fail_file("no requests to replay (" + std::to_string(counts_.skipped_corrupt) + " corrupt rows skipped, " +
              std::to_string(counts_.filtered) + " rows filtered)");
  }
  // Stable: requests sharing a timestamp (Mooncake's 3 s buckets) keep file order.
  std::stable_sort(requests_.begin(), requests_.end(),
                   [](const ServingRequest& a, const ServingRequest& b) { return a.arrival_s < b.arrival_s; });
  if (start_at_zero) {
    const double origin_s = requests_.front().arrival_s;
    for (ServingRequest& r : requests_) r.arrival_s -= origin_s;
  }
  if (counts != nullptr) *counts = counts_;
  ServingTrace trace;
  trace.name = std::filesystem::path(origin_).stem().string();
  trace.source = origin_;
  trace.format = format_;
  trace.requests = std::move(requests_);
  requests_.clear();
  return trace;
}

}  // namespace lcperf::traces::serving_detail

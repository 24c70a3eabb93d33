#include "traces/length_files.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "core/strict_json.hpp"
#include "traces/csv_table.hpp"
#include "traces/text_lines.hpp"

namespace lcperf::traces {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExtensions[] = {".json", ".csv", ".jsonl"};  // lookup order for ids

std::string stem_of(const std::string& origin) { return fs::path(origin).stem().string(); }

std::string lowercase_extension(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool has_length_extension(const std::string& text) {
  const std::string extension = lowercase_extension(text);
  return extension == ".json" || extension == ".jsonl" || extension == ".ndjson" || extension == ".csv";
}


// ---- histogram JSON --------------------------------------------------------------

WithinBin within_bin_or(core::ObjectReader& reader, WithinBin fallback) {
  const std::string text = reader.choice_or("within_bin", std::string(to_string(fallback)), {"uniform", "log_uniform"});
  return *within_bin_from_string(text);
}

// ---- per-sample rows ---------------------------------------------------------------

// Column (or key) pairs whose sum is a sample's length, in the order they are tried.
struct LengthPair {
  const char* first;
  const char* second;
};
constexpr LengthPair kJsonPairs[] = {{"input_tokens", "output_tokens"}, {"input_length", "output_length"}};
constexpr LengthPair kCsvPairs[] = {{"num_prefill_tokens", "num_decode_tokens"}, {"ContextTokens", "GeneratedTokens"}};

std::int64_t checked_sum(std::int64_t a, std::int64_t b, const std::string& where) {
  const std::int64_t sum = a + b;  // both parts are within [0, 2^40]: no overflow
  if (sum < 1) throw core::InputError(where + ": the sample's length is 0 tokens; lengths must be positive");
  if (sum > kMaxSequenceLength) {
    throw core::InputError(where + ": length " + std::to_string(sum) + " exceeds the longest supported length " +
                           std::to_string(kMaxSequenceLength));
  }
  return sum;
}

std::int64_t sample_from_json_row(const nlohmann::json& row, const std::string& where) {
  core::ObjectReader reader(row, where);
  const core::Range length_range = core::Range::at_least(1).at_most(static_cast<double>(kMaxSequenceLength));
  const core::Range part_range = core::Range::non_negative().at_most(static_cast<double>(kMaxSequenceLength));
  if (reader.has("length")) return reader.integer("length", length_range);
  for (const LengthPair& pair : kJsonPairs) {
    if (reader.has(pair.first) || reader.has(pair.second)) {
      const std::int64_t first = reader.integer(pair.first, part_range);
      const std::int64_t second = reader.integer(pair.second, part_range);
      return checked_sum(first, second, where);
    }
  }
  reader.fail_here("no length: expected \"length\", or \"input_tokens\" and \"output_tokens\", or \"input_length\" and \"output_length\"");
}

// parse_json reports "ORIGIN:1:COL" for a single line; this puts the file's line there.
nlohmann::json parse_jsonl_line(std::string_view line, const std::string& origin, std::size_t number) {
  try {
    return core::parse_json(line, origin);
  } catch (const core::InputError& error) {
    std::string message = error.what();
    const std::string prefix = origin + ":1:";
    if (message.rfind(prefix, 0) == 0) message = origin + ":" + std::to_string(number) + ":" + message.substr(prefix.size());
    throw core::InputError(message);
  }
}

// JSONL saved with a .json extension: the first non-blank line alone is a complete
// object without "bins", and either names a sample key or is followed by more lines.
// (A pretty-printed histogram's first line, "{", is never complete on its own.)
bool looks_like_jsonl(std::string_view text) {
  bool first_is_row = false;
  bool first_has_sample_key = false;
  bool more_lines = false;
  for_each_line(text, [&](std::size_t, std::string_view line) {
    if (is_blank(line)) return true;
    if (first_is_row) {
      more_lines = true;
      return false;
    }
    const nlohmann::json value = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (!value.is_object() || value.contains("bins")) return false;
    first_is_row = true;
    for (const char* key : {"length", "input_tokens", "output_tokens", "input_length", "output_length"}) {
      first_has_sample_key = first_has_sample_key || value.contains(key);
    }
    return true;
  });
  return first_is_row && (first_has_sample_key || more_lines);
}

bool csv_is_histogram(std::string_view text, const std::string& origin) {
  const CsvTable table(text, origin);
  return table.column("min") && table.column("max") && table.column("weight");
}

}  // namespace

LengthDistribution read_histogram_json(std::string_view text, const std::string& origin) {
  const nlohmann::json document = core::parse_json(text, origin);
  core::ObjectReader reader(document, origin);
  LengthSource info;
  info.name = reader.string_or("name", stem_of(origin));
  info.source = reader.string_or("source", "");
  info.licence = reader.string_or("licence", "");
  info.origin = origin;
  reader.choice_or("unit", "tokens", {"tokens"});
  reader.string_or("notes", "");
  const WithinBin file_shape = within_bin_or(reader, WithinBin::uniform);
  std::vector<core::ObjectReader> rows = reader.objects("bins");
  reader.finish();
  if (rows.empty()) reader.fail("bins", "must hold at least one bin");

  const core::Range bound = core::Range::at_least(1).at_most(static_cast<double>(kMaxSequenceLength));
  std::vector<LengthBin> bins;
  bins.reserve(rows.size());
  for (core::ObjectReader& row : rows) {
    LengthBin bin;
    bin.min = row.integer("min", bound);
    bin.max = row.integer("max", bound);
    bin.weight = row.number("weight", core::Range::positive());
    bin.within = within_bin_or(row, file_shape);
    row.finish();
    if (auto problem = bin_problem(bin)) row.fail_here(*problem);
    if (!bins.empty()) {
      if (auto problem = bin_order_problem(bins.back(), bin)) row.fail_here(*problem);
    }
    bins.push_back(bin);
  }
  return LengthDistribution(std::move(bins), std::move(info));
}

LengthDistribution read_histogram_csv(std::string_view text, const std::string& origin) {
  const CsvTable table(text, origin);
  const auto min_column = table.column("min");
  const auto max_column = table.column("max");
  const auto weight_column = table.column("weight");
  const auto shape_column = table.column("within_bin");
  if (!min_column || !max_column || !weight_column) {
    throw core::InputError(origin + ": a histogram CSV needs the columns min,max,weight (and optionally within_bin)");
  }
  for (const std::string& name : table.header()) {
    if (name != "min" && name != "max" && name != "weight" && name != "within_bin") {
      throw core::InputError(origin + ": unknown column '" + name + "' (allowed: min, max, weight, within_bin)");
    }
  }
  std::vector<LengthBin> bins;
  bins.reserve(table.rows().size());
  for (const CsvRow& row : table.rows()) {
    LengthBin bin;
    bin.min = table.integer(row, *min_column, 1, kMaxSequenceLength);
    bin.max = table.integer(row, *max_column, 1, kMaxSequenceLength);
    bin.weight = table.number(row, *weight_column);
    if (shape_column) {
      const auto shape = within_bin_from_string(row.fields[*shape_column]);
      if (!shape) table.fail(row, "column 'within_bin': must be uniform or log_uniform (got '" + std::string(row.fields[*shape_column]) + "')");
      bin.within = *shape;
    }
    if (auto problem = bin_problem(bin)) table.fail(row, *problem);
    if (!bins.empty()) {
      if (auto problem = bin_order_problem(bins.back(), bin)) table.fail(row, *problem);
    }
    bins.push_back(bin);
  }
  if (bins.empty()) throw core::InputError(origin + ": the histogram has no bins (only a header)");
  LengthSource info{stem_of(origin), "", "", origin};
  return LengthDistribution(std::move(bins), std::move(info));
}

LengthDistribution read_samples_jsonl(std::string_view text, const std::string& origin) {
  std::vector<std::int64_t> lengths;
  for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (is_blank(line)) return true;
    const std::string where = origin + ":" + std::to_string(number);
    const nlohmann::json row = parse_jsonl_line(line, origin, number);
    if (!row.is_object()) throw core::InputError(where + ": expected a JSON object per line, got " + core::json_type_name(row));
    lengths.push_back(sample_from_json_row(row, where));
    return true;
  });
  if (lengths.empty()) throw core::InputError(origin + ": no samples (the file has no non-blank lines)");
  return LengthDistribution::from_samples(lengths, {stem_of(origin), "", "", origin});
}

LengthDistribution read_samples_csv(std::string_view text, const std::string& origin) {
  const CsvTable table(text, origin);
  std::optional<std::size_t> single = table.column("length");
  std::optional<std::pair<std::size_t, std::size_t>> pair;
  if (!single) {
    for (const LengthPair& candidate : kCsvPairs) {
      const auto first = table.column(candidate.first);
      const auto second = table.column(candidate.second);
      if (first && second) {
        pair = std::make_pair(*first, *second);
        break;
      }
    }
  }
  if (!single && !pair) {
    throw core::InputError(origin + ": no length column: expected 'length', or 'num_prefill_tokens' and 'num_decode_tokens', "
                                    "or 'ContextTokens' and 'GeneratedTokens' (or min,max,weight for a histogram)");
  }
  std::vector<std::int64_t> lengths;
  lengths.reserve(table.rows().size());
  for (const CsvRow& row : table.rows()) {
    if (single) {
      lengths.push_back(table.integer(row, *single, 1, kMaxSequenceLength));
    } else {
      const std::int64_t first = table.integer(row, pair->first, 0, kMaxSequenceLength);
      const std::int64_t second = table.integer(row, pair->second, 0, kMaxSequenceLength);
      lengths.push_back(checked_sum(first, second, origin + ":" + std::to_string(row.line)));
    }
  }
  if (lengths.empty()) throw core::InputError(origin + ": no samples (only a header)");
  return LengthDistribution::from_samples(lengths, {stem_of(origin), "", "", origin});
}

LengthDistribution load_length_distribution(const std::string& id_or_path) {
  const std::string path = length_distribution_path(id_or_path);
  const std::string text = core::read_text_file(path, core::kMaxTraceFileBytes);
  const std::string extension = lowercase_extension(path);
  if (extension == ".jsonl" || extension == ".ndjson") return read_samples_jsonl(text, path);
  if (extension == ".csv") return csv_is_histogram(text, path) ? read_histogram_csv(text, path) : read_samples_csv(text, path);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (extension == ".json" || (first != std::string::npos && text[first] == '{')) {
    return looks_like_jsonl(text) ? read_samples_jsonl(text, path) : read_histogram_json(text, path);
  }
  return csv_is_histogram(text, path) ? read_histogram_csv(text, path) : read_samples_csv(text, path);
}

std::string length_distributions_dir() {
  if (const char* env = std::getenv("LCPERF_TRACES_DIR"); env != nullptr && *env != '\0') return env;
  return (fs::path(core::data_dir()) / ".." / "traces" / "data").lexically_normal().string();
}

std::string length_distribution_path(const std::string& id_or_path) {
  if (id_or_path.empty()) throw core::InputError("length distribution: empty id or path");
  if (id_or_path.find('/') != std::string::npos || has_length_extension(id_or_path)) return id_or_path;
  const fs::path dir = length_distributions_dir();
  std::error_code ec;
  for (const char* extension : kExtensions) {
    const fs::path candidate = dir / (id_or_path + extension);
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  std::vector<std::string> known;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && has_length_extension(it->path().string())) known.push_back(it->path().stem().string());
  }
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  std::string list;
  for (const std::string& id : known) list += (list.empty() ? "" : ", ") + id;
  throw core::InputError("unknown length distribution '" + id_or_path + "' (known: " + (list.empty() ? "none" : list) +
                         "; looked in " + dir.string() + ", set LCPERF_TRACES_DIR to change)");
}

}  // namespace lcperf::traces

// Choosing a serving-trace reader: format detection, dispatch, files and shipped ids.
#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/strict_json.hpp"
#include "traces/length_files.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_rows.hpp"

namespace lcperf::traces {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFormats = "azure, mooncake, burstgpt";
constexpr const char* kExtensions[] = {".csv", ".jsonl"};  // lookup order for ids

}  // namespace

std::string detect_serving_format(std::string_view text, const std::string& origin) {
  std::string format;
  serving_detail::for_each_line(text, [&](std::size_t number, std::string_view line) {
    if (serving_detail::is_skipped_csv_line(line)) return true;
    if (line.find_first_not_of(" \t") != std::string_view::npos && line[line.find_first_not_of(" \t")] == '{') {
      format = "mooncake";
    } else {
      // Header names decide, not their position, as the readers find columns by name.
      for (std::string_view name : serving_detail::split_fields(line)) {
        if (name == "ContextTokens") format = "azure";
        if (name == "Request tokens") format = "burstgpt";
      }
    }
    if (format.empty()) {
      throw core::InputError(origin + ":" + std::to_string(number) + ": cannot tell the serving-trace format from " +
                             serving_detail::quote_field(line) + " (expected an Azure or BurstGPT CSV header or a Mooncake JSON line; formats: " +
                             kFormats + ")");
    }
    return false;
  });
  if (format.empty()) throw core::InputError(origin + ": the file is empty");
  return format;
}

ServingTrace read_serving_trace(std::string_view text, const std::string& origin, const std::string& format,
                                const ServingReadOptions& options, ServingReadCounts* counts) {
  const std::string chosen = format.empty() ? detect_serving_format(text, origin) : format;
  if (chosen == "azure") return read_azure_csv(text, origin, options, counts);
  if (chosen == "mooncake") return read_mooncake_jsonl(text, origin, options, counts);
  if (chosen == "burstgpt") return read_burstgpt_csv(text, origin, options, counts);
  throw core::InputError(origin + ": unknown serving-trace format '" + chosen + "' (formats: " + kFormats + ", or empty to detect)");
}

ServingTrace load_serving_trace(const std::string& path, const std::string& format, const ServingReadOptions& options,
                                ServingReadCounts* counts) {
  const std::string resolved = serving_trace_path(path);
  const std::string text = core::read_text_file(resolved, core::kMaxTraceFileBytes);
  return read_serving_trace(text, resolved, format, options, counts);
}

ServingTrace load_serving_trace(const std::string& path, const std::string& format, bool skip_corrupt, std::int64_t* skipped) {
  ServingReadOptions options;
  options.skip_corrupt = skip_corrupt;
  ServingReadCounts counts;
  ServingTrace trace = load_serving_trace(path, format, options, &counts);
  if (skipped != nullptr) *skipped = counts.skipped_corrupt;
  return trace;
}

std::string serving_traces_dir() { return (fs::path(length_distributions_dir()) / "serving").string(); }

std::string serving_trace_path(const std::string& id_or_path) {
  const std::string extension = fs::path(id_or_path).extension().string();
  const bool is_id = !id_or_path.empty() && id_or_path.find('/') == std::string::npos && extension != ".csv" && extension != ".jsonl";
  // A file of that name in the working directory wins over the shipped id.
  // The non-throwing checks: a name too long for the file system is reported by the reader.
  std::error_code missing;
  if (!is_id || fs::exists(id_or_path, missing)) return id_or_path;
  const fs::path dir(serving_traces_dir());
  for (const char* candidate : kExtensions) {
    const fs::path path = dir / (id_or_path + candidate);
    if (fs::is_regular_file(path, missing)) return path.string();
  }
  std::vector<std::string> known;
  std::error_code error;
  // The non-throwing iteration: a missing folder lists nothing rather than failing here.
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string ext = it->path().extension().string();
    if (it->is_regular_file(error) && (ext == ".csv" || ext == ".jsonl")) known.push_back(it->path().stem().string());
  }
  std::sort(known.begin(), known.end());
  std::string list;
  for (const std::string& id : known) list += (list.empty() ? "" : ", ") + id;
  throw core::InputError("unknown serving trace '" + core::shown_path(id_or_path) + "' (shipped in " + dir.string() + ": " + (list.empty() ? "none" : list) +
                         "; or give a path)");
}

}  // namespace lcperf::traces

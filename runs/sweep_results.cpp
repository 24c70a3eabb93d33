#include "runs/sweep_results.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "runs/sweep_spec.hpp"
#include "core/atomic_file.hpp"

namespace lcperf::runs {

namespace {

using nlohmann::json;

// The metrics of a result, by name; the names are sweep_metrics().
double metric(const core::TrainingResult& r, const std::string& name) {
  if (name == "tokens_per_s") return r.tokens_per_s;
  if (name == "iteration_time_s") return r.iteration_time_s;
  if (name == "mfu") return r.mfu;
  if (name == "peak_memory_bytes") return static_cast<double>(r.peak_memory_bytes);
  if (name == "bubble_ratio") return r.bubble_ratio;
  if (name == "dp_imbalance") return r.dp_imbalance;
  throw std::logic_error("unknown sweep metric " + name);
}

}  // namespace

bool parse_result_line(const std::string& text, SweepResult& result) {
  const json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("config") || !line["config"].is_object() || !line.contains("ok") ||
      !line["ok"].is_boolean()) {
    return false;
  }
  result.config = line["config"].dump();
  result.key = result.config;  // parsed into a sorted object, so already canonical
  result.ok = line["ok"].get<bool>();
  if (line.contains("source")) {
    if (!line["source"].is_string()) return false;
    const std::string source = line["source"].get<std::string>();
    if (source != "simulated" && source != "estimated") return false;
    result.estimated = source == "estimated";
  }
  if (!result.ok) {
    if (line.contains("error") && line["error"].is_string()) result.error = line["error"].get<std::string>();
    return true;
  }
  if (!line.contains("oom") || !line["oom"].is_boolean()) return false;
  result.oom = line["oom"].get<bool>();
  for (const std::string& name : sweep_metrics()) {
    if (!line.contains(name) || !line[name].is_number()) return false;
    result.metrics[name] = line[name].get<double>();
  }
  return true;
}

namespace {

json estimate_json(const ConfigurationEstimate& estimate) {
  json object = json::object();
  for (const std::string& name : sweep_metrics()) object[name] = estimate.metric(name);
  object["peak_memory_bytes"] = estimate.memory_lower_bound_bytes;
  return object;
}

std::string line_text(const json& line) { return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

std::string estimated_result_line(const SweepConfig& config, const ConfigurationEstimate& estimate,
                                  std::int64_t memory_bound) {
  json line = json::object();
  line["index"] = config.index;
  line["config"] = json::parse(config.key);
  line["ok"] = true;
  line["oom"] = false;
  const json metrics = estimate_json(estimate);  // items() refers into it: keep it alive
  for (const auto& [name, value] : metrics.items()) line[name] = value;
  if (memory_bound >= 0) line["memory_lower_bound_bytes"] = memory_bound;
  line["source"] = "estimated";
  return line_text(line);
}

std::string result_line(const SweepConfig& config, const ForkedOutcome& outcome, std::int64_t memory_bound,
                        const ConfigurationEstimate* estimate) {
  json line = json::object();
  line["index"] = config.index;
  line["config"] = json::parse(config.key);
  line["ok"] = outcome.ok;
  if (outcome.ok) {
    line["oom"] = outcome.result.oom;
    for (const std::string& name : sweep_metrics()) line[name] = metric(outcome.result, name);
    line["peak_memory_bytes"] = outcome.result.peak_memory_bytes;  // exact, not through a double
    line["wall_time_s"] = outcome.result.wall_time_s;
    // Kept so the bound can be audited against the simulated peak (it must never exceed it).
    if (memory_bound >= 0) line["memory_lower_bound_bytes"] = memory_bound;
  } else {
    line["error"] = outcome.error;
  }
  line["source"] = "simulated";
  if (estimate != nullptr) line["estimate"] = estimate_json(*estimate);
  return line_text(line);
}

std::vector<SweepResult> read_results(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::vector<SweepResult> results;
  std::set<std::string> seen;
  std::string kept;
  std::string text;
  bool dropped = false;
  while (std::getline(in, text)) {
    if (in.eof()) dropped = true;  // no newline at the end: rewrite so appends start clean
    SweepResult result;
    if (text.empty() || !parse_result_line(text, result) || result.estimated) {
      dropped = true;
      continue;
    }
    kept += text + "\n";
    if (seen.insert(result.key).second) results.push_back(std::move(result));
  }
  if (dropped) core::write_file_atomically(path, kept);
  return results;
}

ResultsLog::ResultsLog(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open for appending: " + std::strerror(errno));
}

ResultsLog::~ResultsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsLog::append(const std::string& line) {
  // One write: with O_APPEND the kernel places the whole buffer at the end at once, so
  // readers and other writers see the line whole or not at all (short writes happen only
  // on full disks or signals; they are reported, not retried, to keep lines whole).
  ssize_t n = -1;
  do {
    n = ::write(fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error(path_ + ": cannot append a result line: " +
                             (n < 0 ? std::string(std::strerror(errno)) : std::string("short write")));
  }
}

}  // namespace lcperf::runs

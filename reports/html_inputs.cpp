// Reading a run folder back: timeline.json and memory.csv as lcperf writes them
// (traces/chrome_trace.cpp, traces/memory_csv.cpp). reports/ depends on core only, so
// these readers live here rather than in traces/.
#include <charconv>
#include <map>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/memory_tag.hpp"
#include "reports/html_report.hpp"

namespace lcperf::reports {

namespace {

using nlohmann::json;

// "compute" 0, "send" 1, "recv" 2, "collective" 3, "host" 4, "stream S" S (stream_display_name).
int stream_of(const std::string& name) {
  if (name == "compute") return 0;
  if (name == "send") return 1;
  if (name == "recv") return 2;
  if (name == "collective") return 3;
  if (name == "host") return 4;
  if (name.rfind("stream ", 0) == 0) return std::stoi(name.substr(7));
  return -1;  // "decisions" and anything else: not a device lane
}

}  // namespace

core::RunRecords read_chrome_trace(const std::string& text, const std::string& what) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) {
    throw core::InputError(what + ": not a Chrome trace (no traceEvents array)");
  }
  // (pid, tid) -> (rank, stream), from the thread_name metadata events.
  std::map<std::pair<int, int>, std::pair<int, int>> lanes;
  for (const json& e : doc["traceEvents"]) {
    if (e.value("ph", "") != "M" || e.value("name", "") != "thread_name") continue;
    const std::string name = e.contains("args") ? e["args"].value("name", "") : "";
    const auto slash = name.find(" / ");
    if (name.rfind("rank ", 0) != 0 || slash == std::string::npos) continue;
    const int stream = stream_of(name.substr(slash + 3));
    if (stream < 0) continue;
    lanes[{e.value("pid", 0), e.value("tid", 0)}] = {std::stoi(name.substr(5, slash - 5)), stream};
  }
  core::RunRecords records;
  for (const json& e : doc["traceEvents"]) {
    if (e.value("ph", "") != "X") continue;
    const auto lane = lanes.find({e.value("pid", 0), e.value("tid", 0)});
    if (lane == lanes.end()) continue;
    core::TimelineRecord r;
    r.rank = lane->second.first;
    r.stream = lane->second.second;
    r.name = e.value("name", "");
    r.category = e.value("cat", "");
    r.start_s = e.value("ts", 0.0) * 1e-6;  // trace times are microseconds
    r.end_s = r.start_s + e.value("dur", 0.0) * 1e-6;
    if (e.contains("args") && e["args"].is_object()) r.micro_batch = e["args"].value("micro_batch", -1);
    records.end_time_s = std::max(records.end_time_s, r.end_s);
    records.timeline.push_back(std::move(r));
  }
  return records;
}

void read_memory_csv(const std::string& text, const std::string& what, core::RunRecords& records) {
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 || line.empty()) continue;  // header
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
    const auto tag = fields.size() == 5 ? core::parse_memory_tag(fields[2]) : std::nullopt;
    core::MemoryEvent e;
    try {
      if (!tag) throw std::invalid_argument("tag");
      e.time_s = std::stod(fields[0]);
      e.rank = std::stoi(fields[1]);
      e.tag = *tag;
      e.delta_bytes = std::stoll(fields[3]);
      e.total_bytes = std::stoll(fields[4]);
    } catch (const std::exception&) {
      throw core::InputError(what + ":" + std::to_string(number) + ": not a memory.csv row: " + line);
    }
    records.end_time_s = std::max(records.end_time_s, e.time_s);
    records.memory.push_back(e);
  }
}

}  // namespace lcperf::reports

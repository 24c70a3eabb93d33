#include "traces/chrome_trace.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/memory_tag.hpp"
#include "core/runtime.hpp"
#include "traces/text_format.hpp"

namespace lcperf::traces {

namespace {

using core::RunRecords;

// Decisions and OOM markers get their own lane per rank; sorting it before stream 0
// puts it on top of the rank's streams in the viewer.
constexpr int kEventsLane = -1;

struct Lane {
  int rank = 0;
  int stream = 0;
  auto operator<=>(const Lane&) const = default;
};

int node_of(const RunRecords& records, int rank) {
  if (rank < 0 || static_cast<std::size_t>(rank) >= records.node_of_rank.size()) return 0;
  return records.node_of_rank[static_cast<std::size_t>(rank)];
}

// pid 0 is special to some trace tools (the idle process), so node N is pid N + 1.
int pid_of_node(int node) { return node + 1; }

// Integer nanoseconds first, so ts and dur are exact decimal values and
// ts + dur of one event equals ts of an event that starts when it ends.
std::int64_t to_ns(double seconds) { return std::llround(seconds * 1e9); }

void append_microseconds(std::string& out, std::int64_t ns) {
  if (ns < 0) {
    out += '-';
    ns = -ns;
  }
  out += std::to_string(ns / 1000);
  out += '.';
  const std::string fraction = std::to_string(ns % 1000);
  out.append(3 - fraction.size(), '0');
  out += fraction;
}

std::string lane_name(const Lane& lane) {
  const std::string prefix = "rank " + std::to_string(lane.rank) + " / ";
  if (lane.stream == kEventsLane) return prefix + "decisions";
  return prefix + stream_display_name(lane.stream);
}

// Thread ids: consecutive integers over the sorted lanes, unique across the whole
// trace (viewers differ in whether tids are scoped to their pid).
std::map<Lane, int> assign_thread_ids(const RunRecords& records) {
  std::set<Lane> lanes;
  for (const auto& record : records.timeline) lanes.insert({record.rank, record.stream});
  for (const auto& decision : records.decisions) lanes.insert({decision.rank, kEventsLane});
  if (records.oom.happened) lanes.insert({records.oom.rank, kEventsLane});
  std::map<Lane, int> tids;
  int next = 1;
  for (const Lane& lane : lanes) tids[lane] = next++;
  return tids;
}

// Ranks that need a counter track, with their node.
std::set<int> memory_ranks(const RunRecords& records) {
  std::set<int> ranks;
  for (const auto& event : records.memory) ranks.insert(event.rank);
  return ranks;
}

// Appends `"key":` after a comma; every event object starts with a key of its own.
void key(std::string& out, const char* name) {
  out += ",\"";
  out += name;
  out += "\":";
}

void begin_event(std::string& out, bool& first_event) {
  out += first_event ? "\n" : ",\n";
  first_event = false;
}

void append_metadata(std::string& out, bool& first, const char* name, int pid, int tid, const char* arg_key,
                     const std::string& arg_value) {
  begin_event(out, first);
  out += "{\"name\":\"";
  out += name;
  out += "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"";
  out += arg_key;
  out += "\":";
  out += arg_value;
  out += "}}";
}

void append_process_and_thread_names(std::string& out, bool& first, const RunRecords& records,
                                     const std::map<Lane, int>& tids) {
  std::set<int> nodes;
  for (const auto& [lane, tid] : tids) nodes.insert(node_of(records, lane.rank));
  for (const int rank : memory_ranks(records)) nodes.insert(node_of(records, rank));
  for (const int node : nodes) {
    std::string name;
    append_json_string(name, "node " + std::to_string(node));
    append_metadata(out, first, "process_name", pid_of_node(node), 0, "name", name);
    append_metadata(out, first, "process_sort_index", pid_of_node(node), 0, "sort_index", std::to_string(node));
  }
  for (const auto& [lane, tid] : tids) {
    const int pid = pid_of_node(node_of(records, lane.rank));
    std::string name;
    append_json_string(name, lane_name(lane));
    append_metadata(out, first, "thread_name", pid, tid, "name", name);
    append_metadata(out, first, "thread_sort_index", pid, tid, "sort_index", std::to_string(tid));
  }
}

void append_complete_events(std::string& out, bool& first, const RunRecords& records,
                            const std::map<Lane, int>& tids) {
  const auto& timeline = records.timeline;
  std::vector<std::size_t> order(timeline.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // By lane, then time; the record index breaks ties so equal inputs give equal output.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = timeline[a];
    const auto& y = timeline[b];
    return std::tie(x.rank, x.stream, x.start_s, x.end_s) < std::tie(y.rank, y.stream, y.start_s, y.end_s);
  });
  for (const std::size_t index : order) {
    const auto& record = timeline[index];
    const std::int64_t start_ns = to_ns(record.start_s);
    const std::int64_t end_ns = std::max(to_ns(record.end_s), start_ns);
    begin_event(out, first);
    out += "{\"name\":";
    append_json_string(out, record.name.empty() ? record.category : record.name);
    key(out, "cat");
    append_json_string(out, record.category);
    out += ",\"ph\":\"X\"";
    key(out, "pid");
    out += std::to_string(pid_of_node(node_of(records, record.rank)));
    key(out, "tid");
    out += std::to_string(tids.at({record.rank, record.stream}));
    key(out, "ts");
    append_microseconds(out, start_ns);
    key(out, "dur");
    append_microseconds(out, end_ns - start_ns);
    out += ",\"args\":{\"flops\":";
    append_shortest(out, record.flops);
    key(out, "bytes");
    append_shortest(out, record.bytes);
    if (record.micro_batch >= 0) {
      key(out, "micro_batch");
      out += std::to_string(record.micro_batch);
    }
    out += "}}";
  }
}

// Two counter tracks per rank: the total in use, and the same total split by tag
// (viewers stack the series of one counter, which shows what the peak is made of).
void append_memory_counters(std::string& out, bool& first, const RunRecords& records) {
  const auto& memory = records.memory;
  std::vector<std::size_t> order(memory.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(memory[a].rank, memory[a].time_s) < std::tie(memory[b].rank, memory[b].time_s);
  });

  // Tags each rank ever uses, so its stacked counter has the same series throughout.
  std::map<int, std::set<int>> tags_of_rank;
  for (const auto& event : memory) tags_of_rank[event.rank].insert(static_cast<int>(event.tag));

  std::map<int, std::map<int, std::int64_t>> in_use_by_tag;  // [rank][tag], running sums of deltas
  for (const std::size_t index : order) {
    const auto& event = memory[index];
    auto& by_tag = in_use_by_tag[event.rank];
    by_tag[static_cast<int>(event.tag)] += event.delta_bytes;
    const std::string pid = std::to_string(pid_of_node(node_of(records, event.rank)));
    const std::string rank = std::to_string(event.rank);

    begin_event(out, first);
    out += "{\"name\":\"memory rank " + rank + "\",\"ph\":\"C\",\"pid\":" + pid + ",\"ts\":";
    append_microseconds(out, to_ns(event.time_s));
    out += ",\"args\":{\"in_use_bytes\":" + std::to_string(event.total_bytes) + "}}";

    begin_event(out, first);
    out += "{\"name\":\"memory by tag rank " + rank + "\",\"ph\":\"C\",\"pid\":" + pid + ",\"ts\":";
    append_microseconds(out, to_ns(event.time_s));
    out += ",\"args\":{";
    bool first_tag = true;
    for (const int tag : tags_of_rank[event.rank]) {
      if (!first_tag) out += ',';
      first_tag = false;
      append_json_string(out, core::to_string(static_cast<core::MemoryTag>(tag)));
      out += ':' + std::to_string(by_tag[tag]);
    }
    out += "}}";
  }
}

void append_instant_events(std::string& out, bool& first, const RunRecords& records,
                           const std::map<Lane, int>& tids) {
  const auto& decisions = records.decisions;
  std::vector<std::size_t> order(decisions.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(decisions[a].rank, decisions[a].time_s) < std::tie(decisions[b].rank, decisions[b].time_s);
  });
  for (const std::size_t index : order) {
    const auto& decision = decisions[index];
    begin_event(out, first);
    out += "{\"name\":";
    append_json_string(out, decision.kind);
    out += ",\"cat\":\"decision\",\"ph\":\"i\",\"s\":\"t\"";
    key(out, "pid");
    out += std::to_string(pid_of_node(node_of(records, decision.rank)));
    key(out, "tid");
    out += std::to_string(tids.at({decision.rank, kEventsLane}));
    key(out, "ts");
    append_microseconds(out, to_ns(decision.time_s));
    out += ",\"args\":{\"detail\":";
    append_json_string(out, decision.detail);
    out += "}}";
  }

  const auto& oom = records.oom;
  if (!oom.happened) return;
  // Process-scoped so the marker crosses every lane of the node, hard to miss.
  begin_event(out, first);
  out += "{\"name\":\"out of memory\",\"cat\":\"oom\",\"ph\":\"i\",\"s\":\"p\"";
  key(out, "pid");
  out += std::to_string(pid_of_node(node_of(records, oom.rank)));
  key(out, "tid");
  out += std::to_string(tids.at({oom.rank, kEventsLane}));
  key(out, "ts");
  append_microseconds(out, to_ns(oom.time_s));
  out += ",\"args\":{\"rank\":" + std::to_string(oom.rank) + ",\"tag\":";
  append_json_string(out, core::to_string(oom.tag));
  out += ",\"requested_bytes\":" + std::to_string(oom.requested_bytes);
  out += ",\"in_use_bytes\":" + std::to_string(oom.in_use_bytes);
  out += ",\"capacity_bytes\":" + std::to_string(oom.capacity_bytes) + "}}";
}

}  // namespace

std::string stream_display_name(int stream) {
  switch (stream) {
    case core::kComputeStream: return "compute";
    case core::kSendStream: return "send";
    case core::kRecvStream: return "recv";
    case core::kCollectiveStream: return "collective";
    case core::kHostStream: return "host";
    default: return "stream " + std::to_string(stream);
  }
}

std::string chrome_trace_json(const RunRecords& records, const std::string& scenario_name) {
  const std::map<Lane, int> tids = assign_thread_ids(records);
  std::string out;
  out.reserve(256 + records.timeline.size() * 200 + records.memory.size() * 220);
  out += "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"lcperf\",\"scenario\":";
  append_json_string(out, scenario_name);
  // A serving replay keeps only its first records; say so where the viewer shows metadata.
  if (records.timeline_dropped > 0) {
    out += ",\"timeline_records_dropped\":" + std::to_string(records.timeline_dropped);
  }
  out += "},\"traceEvents\":[";
  bool first = true;
  append_process_and_thread_names(out, first, records, tids);
  append_complete_events(out, first, records, tids);
  append_memory_counters(out, first, records);
  append_instant_events(out, first, records, tids);
  out += "\n]}\n";
  return out;
}

void write_chrome_trace(const std::string& path, const RunRecords& records, const std::string& scenario_name) {
  core::write_file_atomically(path, chrome_trace_json(records, scenario_name));
}

}  // namespace lcperf::traces

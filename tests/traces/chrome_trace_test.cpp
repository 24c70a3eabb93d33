// The Chrome trace exporter: valid JSON, one process per node, one thread per
// (rank, stream), complete events matching the records in microseconds, memory
// counters, decision instants and byte-identical output for identical input.
#include "traces/chrome_trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/hand_built_records.hpp"

namespace lcperf::traces {
namespace {

using nlohmann::json;

// Two nodes of two ranks each; rank 3 also sends and joins a collective.
core::RunRecords two_node_records() {
  core::RunRecords records = lcperf::testing::one_f_one_b(4, 3, 1e-3, 2e-3);
  records.node_of_rank = {0, 0, 1, 1};
  core::TimelineRecord collective = lcperf::testing::compute_record(3, "collective", 0.0201, 0.0203456789);
  collective.stream = 3;
  collective.name = "all-reduce \"grads\"";  // quotes must be escaped
  collective.bytes = 1.5e9;
  collective.micro_batch = -1;
  records.timeline.push_back(collective);
  records.decisions.push_back({0.0, 0, "schedule", "1f1b, warmup 3"});
  records.decisions.push_back({0.001, 2, "schedule", "1f1b, warmup 1"});
  records.memory.push_back({0.0, 0, core::MemoryTag::weights, 1000, 1000});
  records.memory.push_back({0.001, 0, core::MemoryTag::activations, 500, 1500});
  records.memory.push_back({0.002, 3, core::MemoryTag::activations, 700, 700});
  return records;
}

std::vector<json> events_with_phase(const json& trace, const std::string& phase) {
  std::vector<json> events;
  for (const auto& event : trace.at("traceEvents")) {
    if (event.at("ph") == phase) events.push_back(event);
  }
  return events;
}

TEST(ChromeTrace, ParsesAsJsonWithTopLevelFields) {
  const json trace = json::parse(chrome_trace_json(two_node_records(), "demo"));
  EXPECT_EQ(trace.at("displayTimeUnit"), "ms");
  EXPECT_EQ(trace.at("otherData").at("scenario"), "demo");
  ASSERT_TRUE(trace.at("traceEvents").is_array());
  for (const auto& event : trace.at("traceEvents")) {
    EXPECT_TRUE(event.at("pid").is_number_integer());
    if (event.contains("tid")) {
      EXPECT_TRUE(event.at("tid").is_number_integer());
    }
  }
}

TEST(ChromeTrace, OneProcessPerNode) {
  const json trace = json::parse(chrome_trace_json(two_node_records(), "demo"));
  std::map<int, std::string> names;
  for (const auto& event : events_with_phase(trace, "M")) {
    if (event.at("name") == "process_name") names[event.at("pid")] = event.at("args").at("name");
  }
  ASSERT_EQ(names.size(), 2u);
  std::set<std::string> labels;
  for (const auto& [pid, name] : names) labels.insert(name);
  EXPECT_EQ(labels, (std::set<std::string>{"node 0", "node 1"}));
}

TEST(ChromeTrace, OneThreadPerRankAndStream) {
  const core::RunRecords records = two_node_records();
  const json trace = json::parse(chrome_trace_json(records, "demo"));
  std::set<std::string> thread_names;
  std::set<int> tids;
  for (const auto& event : events_with_phase(trace, "M")) {
    if (event.at("name") != "thread_name") continue;
    thread_names.insert(event.at("args").at("name"));
    EXPECT_TRUE(tids.insert(event.at("tid").get<int>()).second) << "tids are unique";
  }
  EXPECT_TRUE(thread_names.count("rank 0 / compute"));
  EXPECT_TRUE(thread_names.count("rank 0 / send"));
  EXPECT_TRUE(thread_names.count("rank 3 / collective"));
  EXPECT_TRUE(thread_names.count("rank 2 / decisions"));
  EXPECT_FALSE(thread_names.count("rank 3 / send"));  // the last stage sends nothing forward
  EXPECT_EQ(stream_display_name(7), "stream 7");
}

TEST(ChromeTrace, CompleteEventsMatchRecordsInMicroseconds) {
  const core::RunRecords records = two_node_records();
  const json trace = json::parse(chrome_trace_json(records, "demo"));
  const auto complete = events_with_phase(trace, "X");
  ASSERT_EQ(complete.size(), records.timeline.size());

  // Match each record to an event by (name, micro-batch, start) and compare in us.
  std::multimap<std::tuple<std::string, int, long long>, json> by_key;
  for (const auto& event : complete) {
    const int mb = event.at("args").contains("micro_batch") ? event.at("args").at("micro_batch").get<int>() : -1;
    by_key.emplace(std::make_tuple(event.at("name").get<std::string>(), mb,
                                   std::llround(event.at("ts").get<double>() * 1000)),
                   event);
  }
  for (const auto& record : records.timeline) {
    const auto it = by_key.find({record.name, record.micro_batch, std::llround(record.start_s * 1e9)});
    ASSERT_NE(it, by_key.end()) << record.name << " mb " << record.micro_batch;
    const json& event = it->second;
    EXPECT_NEAR(event.at("ts").get<double>(), record.start_s * 1e6, 1e-3);
    EXPECT_NEAR(event.at("dur").get<double>(), (record.end_s - record.start_s) * 1e6, 2e-3);
    EXPECT_EQ(event.at("cat"), record.category);
    EXPECT_DOUBLE_EQ(event.at("args").at("flops").get<double>(), record.flops);
    EXPECT_DOUBLE_EQ(event.at("args").at("bytes").get<double>(), record.bytes);
    const int expected_pid = records.node_of_rank[static_cast<std::size_t>(record.rank)] + 1;
    EXPECT_EQ(event.at("pid").get<int>(), expected_pid);
    by_key.erase(it);
  }
}

TEST(ChromeTrace, MemoryCountersAndDecisionInstants) {
  const core::RunRecords records = two_node_records();
  const json trace = json::parse(chrome_trace_json(records, "demo"));
  int totals = 0;
  for (const auto& event : events_with_phase(trace, "C")) {
    if (event.at("name") == "memory rank 0" && event.at("ts").get<double>() == 1000.0) {
      EXPECT_EQ(event.at("args").at("in_use_bytes"), 1500);
    }
    if (event.at("name") == "memory by tag rank 0" && event.at("ts").get<double>() == 1000.0) {
      EXPECT_EQ(event.at("args").at("weights"), 1000);
      EXPECT_EQ(event.at("args").at("activations"), 500);
    }
    if (event.at("name").get<std::string>().starts_with("memory rank")) ++totals;
  }
  EXPECT_EQ(totals, static_cast<int>(records.memory.size()));
  const auto instants = events_with_phase(trace, "i");
  ASSERT_EQ(instants.size(), 2u);
  EXPECT_EQ(instants[0].at("name"), "schedule");
  EXPECT_EQ(instants[0].at("args").at("detail"), "1f1b, warmup 3");
}

TEST(ChromeTrace, OomIsMarked) {
  core::RunRecords records = two_node_records();
  records.oom = {true, 2, core::MemoryTag::activations, 0.004, 1 << 20, 1 << 30, 1 << 30};
  const json trace = json::parse(chrome_trace_json(records, "demo"));
  bool found = false;
  for (const auto& event : events_with_phase(trace, "i")) {
    if (event.at("name") == "out of memory") {
      found = true;
      EXPECT_EQ(event.at("args").at("rank"), 2);
      EXPECT_EQ(event.at("args").at("tag"), "activations");
      EXPECT_EQ(event.at("pid"), 2);  // node 1
    }
  }
  EXPECT_TRUE(found);
}

TEST(ChromeTrace, IdenticalInputsGiveIdenticalBytesRegardlessOfRecordOrder) {
  core::RunRecords records = two_node_records();
  const std::string first = chrome_trace_json(records, "demo");
  EXPECT_EQ(first, chrome_trace_json(two_node_records(), "demo"));
  std::reverse(records.timeline.begin(), records.timeline.end());  // runtimes append in any order
  EXPECT_EQ(first, chrome_trace_json(records, "demo"));
}

TEST(ChromeTrace, EmptyRecordsStillGiveValidJson) {
  const json trace = json::parse(chrome_trace_json(core::RunRecords{}, ""));
  EXPECT_TRUE(trace.at("traceEvents").empty());
}

TEST(ChromeTrace, WriteIsAtomicAndMatchesTheString) {
  const auto dir = std::filesystem::temp_directory_path() / ("lcperf_trace_" + std::to_string(::getpid()));
  const auto path = dir / "timeline.json";
  const core::RunRecords records = two_node_records();
  write_chrome_trace(path.string(), records, "demo");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), chrome_trace_json(records, "demo"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lcperf::traces

// Whole runs on both engines (sim.engine): the smoke training scenario and a serving
// scenario (engine loops, run-ahead, controller messages) must give the same records
// on SimGrid's engine and on the native one. Each run happens in its own forked child
// (SimGrid allows one engine per process) and sends back a digest of its records:
// every timeline record's rank, stream, name and dates at full precision, the memory
// peaks and the events counted. Both engines compute each date with the same
// floating-point operations, so the digests are expected to be equal character for
// character; a difference means one engine models something the other does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "runs/serving_run.hpp"
#include "runs/training_run.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/records_digest.hpp"

namespace lcperf::runs {
namespace {

const std::string kScenarios = std::string(LCPERF_SOURCE_DIR) + "/scenarios/";

// The records' digest with its lines sorted: records of one date may be appended in
// another order (each engine wakes the actors of a date in its own order; timeline.json
// is written sorted), so they are compared as a set.
std::string sorted_digest(const core::RunRecords& r) {
  std::istringstream in(lcperf::testing::records_digest(r));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

std::vector<core::Override> on(const char* engine, std::vector<core::Override> more = {}) {
  more.push_back({"sim.engine", std::string("\"") + engine + "\""});
  return more;
}

// Runs `records_on(engine)` once per engine, each in its own child, and compares.
void expect_same_records(const std::function<core::RunRecords(const char* engine)>& records_on) {
  const auto digest_on = [&records_on](const char* engine) {
    return lcperf::testing::text_from_child([&] { return sorted_digest(records_on(engine)); });
  };
  const std::string reference = digest_on("simgrid");
  ASSERT_NE(reference.find("end "), std::string::npos) << "the SimGrid run failed";
  EXPECT_EQ(digest_on("native"), reference);
}

TEST(EnginesAgree, SmokeTrainingIteration) {
  expect_same_records([](const char* engine) {
    return run_training(core::load_scenario(kScenarios + "smoke/llama3-8b-8xh200-1f1b.json", on(engine))).records;
  });
}

TEST(EnginesAgree, ChunkFlowTrainingIteration) {
  expect_same_records([](const char* engine) {
    return run_training(core::load_scenario(kScenarios + "chunkflow/qwen2.5-7b-32k-chunkflow.json", on(engine))).records;
  });
}

TEST(EnginesAgree, ServingRun) {
  expect_same_records([](const char* engine) {
    return run_serving(core::load_scenario(kScenarios + "serving/llama3-70b-h100-tp8-fixed.json", on(engine))).records;
  });
}

}  // namespace
}  // namespace lcperf::runs

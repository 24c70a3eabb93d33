// The published sweep schema (schema/sweep.schema.json) and the sweep reader agree: the
// committed file is what `lcperf schema sweep` writes, every shipped sweep is valid under
// it, and what it refuses the reader refuses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/errors.hpp"
#include "core/strict_json.hpp"
#include "runs/sweep_schema.hpp"
#include "runs/sweep_spec.hpp"
#include "tests/support/json_schema_check.hpp"

namespace lcperf::runs {
namespace {

using nlohmann::json;

const std::string kSchemaFile = std::string(LCPERF_SOURCE_DIR) + "/schema/sweep.schema.json";
const std::string kSweeps = std::string(LCPERF_SOURCE_DIR) + "/sweeps";

TEST(SweepSchema, TheCommittedSchemaIsWhatTheReaderWrites) {
  EXPECT_TRUE(sweep_schema(shipped_sweep_files(kSweeps)) == core::read_json_file(kSchemaFile))
      << "schema/sweep.schema.json is stale: regenerate it with `lcperf schema sweep --out schema/sweep.schema.json`";
}

TEST(SweepSchema, EveryShippedSweepIsValid) {
  const json schema = core::read_json_file(kSchemaFile);
  const auto files = shipped_sweep_files(kSweeps);
  ASSERT_GE(files.size(), 3u);
  for (const std::string& file : files) {
    const auto violations = test::schema_violations(schema, core::read_json_file(file));
    EXPECT_TRUE(violations.empty()) << file << ": " << (violations.empty() ? "" : violations.front());
  }
}

bool reader_refuses(const json& sweep, const std::string& origin) {
  try {
    parse_sweep_spec(sweep.dump(), origin);
  } catch (const core::InputError&) {
    return true;
  }
  return false;
}

TEST(SweepSchema, WhatTheSchemaRefusesTheReaderRefuses) {
  const json schema = core::read_json_file(kSchemaFile);
  const std::string origin = kSweeps + "/main-qwen2.5-7b-32k-8gpu.json";
  const json shipped = core::read_json_file(origin);
  json unknown = shipped;
  unknown["frobnicate"] = 1;
  json bad_memory = shipped;
  bad_memory["constraints"]["memory"] = "maybe";
  json bad_top = shipped;
  bad_top["top"] = 0;
  json bad_axis = shipped;
  bad_axis["axes"]["parallel.tp"] = json{{"range", json::array({1, 4})}, {"stride", 2}};
  for (const json& sweep : {unknown, bad_memory, bad_top, bad_axis}) {
    EXPECT_FALSE(test::schema_violations(schema, sweep).empty()) << sweep.dump();
    EXPECT_TRUE(reader_refuses(sweep, origin)) << sweep.dump();
  }
  EXPECT_TRUE(test::schema_violations(schema, shipped).empty());
  EXPECT_FALSE(reader_refuses(shipped, origin));
}

}  // namespace
}  // namespace lcperf::runs

// The published scenario schema (schema/scenario.schema.json) and the loader agree: the
// committed file is what the loader writes (`lcperf schema`), every shipped scenario is
// valid under it, and what the schema refuses the loader refuses too.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "core/scenario_schema.hpp"
#include "core/strict_json.hpp"
#include "scenario_test_support.hpp"
#include "tests/support/json_schema_check.hpp"

namespace lcperf::core {
namespace {

using nlohmann::json;

const std::string kSchemaFile = std::string(LCPERF_SOURCE_DIR) + "/schema/scenario.schema.json";

std::vector<std::string> shipped() { return shipped_scenario_files(test::source_scenarios_dir()); }

TEST(ScenarioSchema, TheCommittedSchemaIsWhatTheLoaderWrites) {
  const json generated = scenario_schema(shipped());
  const json committed = read_json_file(kSchemaFile);
  EXPECT_TRUE(generated == committed)
      << "schema/scenario.schema.json is stale: regenerate it with `lcperf schema --out schema/scenario.schema.json`";
}

TEST(ScenarioSchema, CoversTheSectionsAndTheirOptions) {
  const json schema = read_json_file(kSchemaFile);
  const json& properties = schema.at("properties");
  for (const char* section : {"model", "cluster", "parallel", "workload", "strategy", "sim", "kernels", "serving"}) {
    EXPECT_TRUE(properties.contains(section)) << section;
  }
  EXPECT_EQ(schema.at("additionalProperties"), false);
  // A range and a default from the loader's own calls.
  const json& tp = properties.at("parallel").at("properties").at("tp");
  EXPECT_EQ(tp.at("type"), "integer");
  EXPECT_EQ(tp.at("default"), 1);
  EXPECT_TRUE(tp.contains("exclusiveMinimum") || tp.contains("minimum")) << tp.dump();
  const json& schedule = properties.at("strategy").at("properties");
  bool has_enum = false;
  for (const auto& [key, option] : schedule.items()) has_enum = has_enum || option.contains("enum");
  EXPECT_TRUE(has_enum) << "strategy options with names carry them as an enum";
}

TEST(ScenarioSchema, EveryShippedScenarioIsValid) {
  const json schema = read_json_file(kSchemaFile);
  const std::vector<std::string> files = shipped();
  ASSERT_GT(files.size(), 40u);
  for (const std::string& file : files) {
    const std::vector<std::string> violations = test::schema_violations(schema, read_json_file(file));
    EXPECT_TRUE(violations.empty()) << file << ": " << (violations.empty() ? "" : violations.front());
  }
}

// Walks the schema's objects under the sections every scenario has (the loader adds
// them empty), collecting leaves whose names or lower bounds the schema states.
void leaves(const json& node, const std::string& path, std::vector<std::pair<std::string, json>>& out) {
  if (!node.contains("properties")) return;
  for (const auto& [key, child] : node.at("properties").items()) {
    const std::string child_path = path.empty() ? key : path + "." + key;
    if (child.contains("enum") || child.contains("minimum") || child.contains("exclusiveMinimum")) {
      out.emplace_back(child_path, child);
    }
    leaves(child, child_path, out);
  }
}

bool loader_refuses(const std::string& file, const std::string& path, const std::string& value) {
  try {
    load_scenario(file, {Override{path, value}});
  } catch (const InputError&) {
    return true;
  }
  return false;
}

TEST(ScenarioSchema, WhatTheSchemaRefusesTheLoaderRefuses) {
  const json schema = read_json_file(kSchemaFile);
  const std::string training = test::source_scenarios_dir() + "/smoke/llama3-8b-8xh200-1f1b.json";
  int checked = 0;
  for (const char* section : {"parallel", "strategy", "sim", "kernels"}) {
    std::vector<std::pair<std::string, json>> found;
    leaves(schema.at("properties").at(section), section, found);
    for (const auto& [path, option] : found) {
      if (path.find('.', std::string(section).size() + 1) != std::string::npos) continue;  // direct members only
      // A name outside the enum, or a number below the lower bound.
      std::string bad;
      if (option.contains("enum")) {
        bad = "\"no-such-option\"";
      } else if (option.contains("minimum")) {
        bad = json(option["minimum"].get<double>() - 1).dump();
      } else {
        bad = json(option["exclusiveMinimum"].get<double>()).dump();
      }
      json document = read_json_file(training);
      json* at = &document;
      std::string remainder = path;
      for (std::size_t dot; (dot = remainder.find('.')) != std::string::npos; remainder.erase(0, dot + 1)) {
        at = &(*at)[remainder.substr(0, dot)];
      }
      (*at)[remainder] = json::parse(bad);
      EXPECT_FALSE(test::schema_violations(schema, document).empty()) << path << " = " << bad;
      EXPECT_TRUE(loader_refuses(training, path, bad)) << path << " = " << bad;
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
  // An unknown key at the top and in a section: both refuse.
  for (const std::string path : {"frobnicate", "parallel.frobnicate", "sim.frobnicate"}) {
    json document = read_json_file(training);
    if (path.find('.') == std::string::npos) {
      document[path] = 1;
    } else {
      document[path.substr(0, path.find('.'))][path.substr(path.find('.') + 1)] = 1;
    }
    EXPECT_FALSE(test::schema_violations(schema, document).empty()) << path;
    EXPECT_TRUE(loader_refuses(training, path, "1")) << path;
  }
}

}  // namespace
}  // namespace lcperf::core

// Where bundled data is found: LCPERF_DATA_DIR, then a walk up from the scenario file,
// then the source tree the binary was built from.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;
using test::expect_input_error;

// A private data folder with one toy model, the h200 file and a nested scenario folder.
class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("LCPERF_DATA_DIR");
    root_ = fs::temp_directory_path() / ("lcperf_data_dir_test_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "data" / "models");
    fs::create_directories(root_ / "data" / "hardware");
    fs::create_directories(root_ / "data" / "experiments" / "deep");
    fs::copy_file(test::source_scenarios_dir() + "/hardware/h200.json", root_ / "data" / "hardware" / "h200.json");
    write("data/models/toy.json", R"({"id": "toy", "layers": 4, "hidden": 512, "heads": 8, "kv_heads": 8,
                                      "head_dim": 64, "ffn_hidden": 2048, "vocab": 1000, "max_context": 2048})");
  }
  void TearDown() override {
    unsetenv("LCPERF_DATA_DIR");
    fs::remove_all(root_);
  }
  void write(const std::string& relative, const std::string& text) const { std::ofstream(root_ / relative) << text; }
  static std::string scenario_text(const std::string& model) {
    return R"({"model": ")" + model + R"(", "cluster": {"hardware": "h200", "nodes": 1, "gpus_per_node": 8},
               "workload": {"kind": "fixed_length", "seq_len": 1024}})";
  }
  fs::path root_;
};

TEST_F(DataDirTest, FallsBackToTheSourceTree) {
  EXPECT_EQ(fs::canonical(data_dir()), fs::canonical(test::source_scenarios_dir()));
  EXPECT_EQ(fs::canonical(data_dir("not/an/existing/file.json")), fs::canonical(test::source_scenarios_dir()));
}

TEST_F(DataDirTest, WalksUpFromTheScenarioFile) {
  const fs::path scenario = root_ / "data" / "experiments" / "deep" / "toy.json";
  write("data/experiments/deep/toy.json", scenario_text("toy"));
  EXPECT_EQ(fs::canonical(data_dir(scenario.string())), fs::canonical(root_ / "data"));
  const Scenario s = load_scenario(scenario.string());
  EXPECT_EQ(s.model.id, "toy");
  EXPECT_EQ(s.source_path, scenario.string());
  EXPECT_EQ(s.name, "toy");
}

TEST_F(DataDirTest, EnvironmentVariableWins) {
  setenv("LCPERF_DATA_DIR", (root_ / "data").c_str(), 1);
  EXPECT_EQ(data_dir(), (root_ / "data").string());
  EXPECT_EQ(load_model("toy").layers, 4);
}

TEST_F(DataDirTest, ModelPathsAreRelativeToTheScenario) {
  fs::create_directories(root_ / "elsewhere");
  fs::copy_file(root_ / "data" / "models" / "toy.json", root_ / "elsewhere" / "mine.json");
  write("elsewhere/s.json", R"({"model": "mine.json", "cluster": {"hardware": ")" + test::source_scenarios_dir() +
                                R"(/hardware/h100.json", "nodes": 1, "gpus_per_node": 8},
                                "workload": {"kind": "fixed_length", "seq_len": 1024}})");
  const Scenario s = load_scenario((root_ / "elsewhere" / "s.json").string());
  EXPECT_EQ(s.model.id, "toy");  // a file loaded by path keeps the id it declares
  EXPECT_EQ(s.cluster.gpu.id, "h100");
}

TEST_F(DataDirTest, BrokenDataFilesAreReportedWithTheirOwnName) {
  write("data/models/typo.json", R"({"id": "typo", "layers": 4, "hiden": 512})");
  write("data/models/copied.json", R"({"id": "toy", "layers": 4, "hidden": 512, "heads": 8, "kv_heads": 8,
                                       "head_dim": 64, "ffn_hidden": 2048, "vocab": 1000, "max_context": 2048})");
  write("data/models/broken.json", "{\"id\": \"broken\",\n \"layers\": }");
  const std::string scenario = (root_ / "data" / "s.json").string();
  write("data/s.json", scenario_text("typo"));
  expect_input_error([&] { load_scenario(scenario); },
                     {"typo.json: $: missing required key 'hidden' (is 'hiden' a misspelling?)"});
  write("data/s.json", scenario_text("copied"));
  expect_input_error([&] { load_scenario(scenario); },
                     {"copied.json: $.id: id 'toy' does not match the file name 'copied.json'"});
  write("data/s.json", scenario_text("broken"));
  expect_input_error([&] { load_scenario(scenario); }, {"broken.json:2:", "malformed JSON"});
}

TEST_F(DataDirTest, MissingScenarioFile) {
  expect_input_error([&] { load_scenario((root_ / "absent.json").string()); }, {"absent.json: cannot read file"});
}

}  // namespace
}  // namespace lcperf::core

// Length-distribution files: each format reads, the format is detected from extension
// and content, corrupt rows name file and line, and ids resolve in the data folder.
#include "traces/length_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "length_test_files.hpp"

namespace lcperf::traces {
namespace {

using testing::input_error_of;
using testing::scratch_file;

// Expects loading `content` as file `name` to fail with a message containing `needle`.
void expect_rejected(const std::string& name, const std::string& content, const std::string& needle) {
  const std::string path = scratch_file(name, content);
  const std::string message = input_error_of([&] { load_length_distribution(path); });
  EXPECT_NE(message.find(needle), std::string::npos) << "message: " << message << "\nexpected to contain: " << needle;
}

TEST(LengthFiles, ReadsHistogramJsonWithMetadataAndShapes) {
  const std::string path = scratch_file("h.json", R"({"name": "demo", "source": "made up", "licence": "none", "unit": "tokens",
    "within_bin": "log_uniform", "notes": "x",
    "bins": [{"min": 1, "max": 100, "weight": 2, "within_bin": "uniform"}, {"min": 101, "max": 1000, "weight": 6}]})");
  const LengthDistribution d = load_length_distribution(path);
  EXPECT_EQ(d.info().name, "demo");
  EXPECT_EQ(d.info().source, "made up");
  EXPECT_EQ(d.info().licence, "none");
  EXPECT_EQ(d.info().origin, path);
  ASSERT_EQ(d.bins().size(), 2u);
  EXPECT_EQ(d.bins()[0].within, WithinBin::uniform);
  EXPECT_EQ(d.bins()[1].within, WithinBin::log_uniform);
  EXPECT_DOUBLE_EQ(d.bins()[1].weight, 0.75);
}

TEST(LengthFiles, HistogramJsonDefaultsToUniformAndTheFileStem) {
  const LengthDistribution d = load_length_distribution(scratch_file("stem-name.json", R"({"bins": [{"min": 5, "max": 9, "weight": 1}]})"));
  EXPECT_EQ(d.info().name, "stem-name");
  EXPECT_EQ(d.bins()[0].within, WithinBin::uniform);
  EXPECT_DOUBLE_EQ(d.mean_length(), 7.0);
}

TEST(LengthFiles, ReadsHistogramCsv) {
  const LengthDistribution d = load_length_distribution(
      scratch_file("h.csv", "# a comment\nweight,min,max,within_bin\r\n1,1,1024,uniform\r\n3,1025,4096,log_uniform\r\n\n"));
  ASSERT_EQ(d.bins().size(), 2u);
  EXPECT_EQ(d.bins()[1].min, 1025);
  EXPECT_EQ(d.bins()[1].within, WithinBin::log_uniform);
  EXPECT_DOUBLE_EQ(d.bins()[0].weight, 0.25);
  EXPECT_EQ(d.sample_count(), 0);
}

TEST(LengthFiles, ReadsPerSampleJsonlInAllRowForms) {
  const LengthDistribution d = load_length_distribution(scratch_file(
      "s.jsonl", "{\"length\": 10}\n\n{\"input_tokens\": 7, \"output_tokens\": 3, \"text\": \"ignored\"}\n"
                 "{\"timestamp\": 0, \"input_length\": 20, \"output_length\": 0, \"hash_ids\": [1]}\n"));
  EXPECT_EQ(d.sample_count(), 3);
  ASSERT_EQ(d.bins().size(), 2u);
  EXPECT_DOUBLE_EQ(d.bins()[0].weight, 2.0 / 3.0);  // two samples of length 10
  EXPECT_EQ(d.max_length(), 20);
}

TEST(LengthFiles, ReadsPerSampleCsvWithALengthColumnOrSummedPairs) {
  const LengthDistribution single = load_length_distribution(scratch_file("l.csv", "id,length\na,5\nb,7\n"));
  EXPECT_EQ(single.sample_count(), 2);
  EXPECT_DOUBLE_EQ(single.mean_length(), 6.0);
  const LengthDistribution vidur =
      load_length_distribution(scratch_file("v.csv", "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n10,2,12,5.0\n4,4,8,1.0\n"));
  EXPECT_DOUBLE_EQ(vidur.mean_length(), 10.0);
  const LengthDistribution azure =
      load_length_distribution(scratch_file("a.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.98,100,20\n"));
  EXPECT_EQ(azure.min_length(), 120);
}

TEST(LengthFiles, DetectsTheFormatFromContent) {
  // JSONL saved as .json, and files with no known extension.
  EXPECT_EQ(load_length_distribution(scratch_file("jsonl-as.json", "{\"length\": 3}\n{\"length\": 4}\n")).sample_count(), 2);
  EXPECT_EQ(load_length_distribution(scratch_file("one-line-hist.json", R"({"bins":[{"min":1,"max":2,"weight":1}]})")).sample_count(), 0);
  EXPECT_EQ(load_length_distribution(scratch_file("hist.txt", "{\n \"bins\": [{\"min\": 1, \"max\": 2, \"weight\": 1}]\n}\n")).bins().size(), 1u);
  EXPECT_EQ(load_length_distribution(scratch_file("rows.txt", "{\"length\": 3}\n")).sample_count(), 1);
  EXPECT_EQ(load_length_distribution(scratch_file("table.dat", "min,max,weight\n1,9,1\n")).sample_count(), 0);
  EXPECT_EQ(load_length_distribution(scratch_file("lengths.dat", "length\n9\n")).sample_count(), 1);
}

TEST(LengthFiles, CorruptCsvRowsNameFileLineAndProblem) {
  expect_rejected("bad1.csv", "min,max,weight\n1,10,1\n20,x,1\n", "/bad1.csv:3: column 'max': 'x' is not a whole number");
  expect_rejected("bad2.csv", "min,max,weight\n1,10,1\n20,15,1\n", "bad2.csv:3: min 20 is greater than max 15");
  expect_rejected("bad3.csv", "min,max,weight\n1,10,0\n", "bad3.csv:2: weight must be a positive finite number");
  expect_rejected("bad4.csv", "min,max,weight\n1,10,-2\n", "bad4.csv:2: weight must be a positive");
  expect_rejected("bad5.csv", "min,max,weight\n1,10,1\n5,20,1\n", "bad5.csv:3: bin [5, 20] overlaps");
  expect_rejected("bad6.csv", "min,max,weight\n0,10,1\n", "bad6.csv:2: column 'min': must be at least 1 (got 0)");
  expect_rejected("bad7.csv", "min,max,weight\n1,10\n", "bad7.csv:2: expected 3 fields (as in the header), got 2");
  expect_rejected("bad8.csv", "min,max,weight\n", "bad8.csv: the histogram has no bins");
  expect_rejected("bad9.csv", "length\n5\n-3\n", "bad9.csv:3: column 'length': must be at least 1 (got -3)");
  expect_rejected("bad10.csv", "length\n5\n0\n", "bad10.csv:3: column 'length': must be at least 1 (got 0)");
  expect_rejected("bad11.csv", "num_prefill_tokens,num_decode_tokens\n0,0\n", "bad11.csv:2: the sample's length is 0 tokens");
  expect_rejected("bad12.csv", "tokens\n5\n", "bad12.csv: no length column");
  expect_rejected("bad13.csv", "length\n", "bad13.csv: no samples");
  expect_rejected("bad14.csv", "", "bad14.csv: no header line");
  expect_rejected("bad15.csv", "min,max,weight,colour\n1,2,1,red\n", "bad15.csv: unknown column 'colour'");
  expect_rejected("bad16.csv", "min,max,weight,within_bin\n1,2,1,flat\n", "bad16.csv:2: column 'within_bin': must be uniform or log_uniform");
  expect_rejected("bad17.csv", "length\n\"5\"\n", "bad17.csv:2: quoted fields are not supported");
  expect_rejected("bad18.csv", "length\n99999999999999999999\n", "bad18.csv:2: column 'length': '99999999999999999999' is out of range");
}

TEST(LengthFiles, CorruptJsonlRowsNameFileLineAndProblem) {
  expect_rejected("bad1.jsonl", "{\"length\": 5}\n{\"length\": 0}\n", "/bad1.jsonl:2: $.length: must be at least 1 (got 0)");
  expect_rejected("bad2.jsonl", "{\"length\": 5}\n\n{\"length\": 5,}\n", "bad2.jsonl:3:14: malformed JSON");
  expect_rejected("bad3.jsonl", "{\"length\": 5}\n[5]\n", "bad3.jsonl:2: expected a JSON object per line, got an array");
  expect_rejected("bad4.jsonl", "{\"tokens\": 5}\n", "bad4.jsonl:1: $: no length");
  expect_rejected("bad5.jsonl", "{\"input_tokens\": 5}\n", "bad5.jsonl:1: $: missing required key 'output_tokens'");
  expect_rejected("bad6.jsonl", "{\"length\": 2.5}\n", "bad6.jsonl:1: $.length");
  expect_rejected("bad7.jsonl", "{\"input_tokens\": -1, \"output_tokens\": 4}\n", "bad7.jsonl:1: $.input_tokens: must not be negative (got -1)");
  expect_rejected("bad8.jsonl", "\n\n", "bad8.jsonl: no samples");
  // A row with no recognised key is still a JSONL row when more rows follow (.json too).
  expect_rejected("bad9.json", "{\"tokens\": 5}\n{\"tokens\": 6}\n", "bad9.json:1: $: no length");
}

TEST(LengthFiles, CorruptHistogramJsonNamesFileAndPath) {
  expect_rejected("bad1.json", R"({"bins": []})", "/bad1.json: $.bins: must hold at least one bin");
  expect_rejected("bad2.json", R"({"bins": [{"min": 1, "max": 4, "weight": 1}, {"min": 9, "max": 5, "weight": 1}]})",
                  "bad2.json: $.bins[1]: min 9 is greater than max 5");
  expect_rejected("bad3.json", R"({"bins": [{"min": 1, "max": 4, "weight": 0}]})", "bad3.json: $.bins[0].weight: must be positive");
  expect_rejected("bad4.json", R"({"bins": [{"min": -1, "max": 4, "weight": 1}]})", "bad4.json: $.bins[0].min: must be at least 1");
  expect_rejected("bad5.json", R"({"bins": [{"min": 1, "max": 4, "weight": 1, "wieght": 2}]})", "bad5.json: unknown key 'wieght'");
  expect_rejected("bad6.json", R"({"unit": "bytes", "bins": [{"min": 1, "max": 4, "weight": 1}]})", "bad6.json: $.unit");
  expect_rejected("bad7.json", R"({"bins": [{"min": 1, "max": 4, "weight": 1}, {"min": 3, "max": 8, "weight": 1}]})",
                  "bad7.json: $.bins[1]: bin [3, 8] overlaps");
  expect_rejected("bad8.json", "{\n  \"bins\": [\n    {\"min\": 1,, \"max\": 4}\n  ]\n}\n", "bad8.json:3:");
  expect_rejected("bad11.json", R"({"name": "x"})", "bad11.json: $: missing required key 'bins'");
  expect_rejected("bad10.json", R"({"within_bin": "normal", "bins": [{"min": 1, "max": 4, "weight": 1}]})", "bad10.json: $.within_bin");
}

TEST(LengthFiles, UnreadableFileIsAnInputError) {
  const std::string message = input_error_of([] { load_length_distribution("/nonexistent/lengths.json"); });
  EXPECT_NE(message.find("/nonexistent/lengths.json: cannot read file"), std::string::npos) << message;
}

TEST(LengthFiles, IdsResolveInTheDataFolderAndPathsPassThrough) {
  EXPECT_EQ(length_distribution_path("some/dir/x.json"), "some/dir/x.json");
  EXPECT_EQ(length_distribution_path("local.csv"), "local.csv");
  const std::string resolved = length_distribution_path("chunkflow-long-sft");
  EXPECT_NE(resolved.find("traces/data/chunkflow-long-sft.json"), std::string::npos) << resolved;
  const std::string message = input_error_of([] { length_distribution_path("no-such-set"); });
  EXPECT_NE(message.find("unknown length distribution 'no-such-set'"), std::string::npos) << message;
  EXPECT_NE(message.find("chunkflow-long-sft"), std::string::npos) << message;  // lists the known ids
}

TEST(LengthFiles, TracesDirEnvironmentVariableOverridesTheFolder) {
  const std::string dir = testing::scratch_dir();
  scratch_file("env-set.csv", "length\n42\n");
  ASSERT_EQ(setenv("LCPERF_TRACES_DIR", dir.c_str(), 1), 0);
  const LengthDistribution d = load_length_distribution("env-set");
  const std::string message = input_error_of([] { length_distribution_path("chunkflow-long-sft"); });
  unsetenv("LCPERF_TRACES_DIR");
  EXPECT_EQ(d.min_length(), 42);
  EXPECT_NE(message.find("unknown length distribution"), std::string::npos) << message;
}

}  // namespace
}  // namespace lcperf::traces

// The serving-trace readers on small hand-written files: exact requests for each
// format, detection, and corrupt rows (an error naming file and line, or skipped and
// counted).
#include <gtest/gtest.h>

#include <string>

#include "length_test_files.hpp"
#include "traces/serving_readers.hpp"

namespace lcperf::traces {
namespace {

using testing::input_error_of;
using testing::scratch_file;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ServingAzure, ReadsExactRequestsWithArrivalsFromTheFirstRequest) {
  const std::string path = scratch_file("serving_azure.csv",
                                        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                        "2023-11-16 18:17:03.9799600,4808,10\n"
                                        "2023-11-16 18:17:04.0319600,3180,8\r\n"
                                        "\n"
                                        "2023-11-16 18:18:00.0000000,7,1\n"
                                        "2023-11-17 00:00:00,12,3");  // next day, no fraction, no final newline
  const ServingTrace trace = load_serving_trace(path);
  EXPECT_EQ(trace.format, "azure");
  EXPECT_EQ(trace.name, "serving_azure");
  EXPECT_EQ(trace.source, path);
  ASSERT_EQ(trace.requests.size(), 4u);
  EXPECT_EQ(trace.requests[0].id, 0);
  EXPECT_DOUBLE_EQ(trace.requests[0].arrival_s, 0.0);
  EXPECT_EQ(trace.requests[0].prompt_tokens, 4808);
  EXPECT_EQ(trace.requests[0].output_tokens, 10);
  EXPECT_NEAR(trace.requests[1].arrival_s, 0.052, 1e-12);
  EXPECT_EQ(trace.requests[1].prompt_tokens, 3180);
  EXPECT_NEAR(trace.requests[2].arrival_s, 56.02004, 1e-9);
  // 18:17:03.97996 to midnight: 5 h 42 min 56.02004 s.
  EXPECT_NEAR(trace.requests[3].arrival_s, 5 * 3600 + 42 * 60 + 56.02004, 1e-9);
  EXPECT_EQ(trace.requests[3].id, 3);
  EXPECT_TRUE(trace.requests[3].prefix_block_hashes.empty());
  EXPECT_EQ(trace.requests[3].block_tokens, 0);
}

TEST(ServingAzure, ColumnsAreFoundByNameAndOffsetsAreHonoured) {
  // The 2024 one-week files carry a UTC offset; columns may come in any order.
  const ServingTrace trace = read_azure_csv(
      "GeneratedTokens,ContextTokens,TIMESTAMP\n"
      "5,100,2024-05-10 02:00:00.5+02:00\n"
      "6,200,2024-05-10T00:00:01.009930Z\n",
      "mem.csv");
  ASSERT_EQ(trace.requests.size(), 2u);
  EXPECT_EQ(trace.requests[0].prompt_tokens, 100);
  EXPECT_EQ(trace.requests[0].output_tokens, 5);
  EXPECT_NEAR(trace.requests[1].arrival_s, 0.50993, 1e-12);
}

TEST(ServingAzure, SmallBackwardStepsAreReorderedAndTheEarliestIsTimeZero) {
  ServingReadOptions options;
  options.backwards_tolerance_s = 0.5;
  const ServingTrace trace = read_azure_csv(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
      "2023-11-16 18:00:00.2,1,1\n"
      "2023-11-16 18:00:00.0,2,2\n"
      "2023-11-16 18:00:01.0,3,3\n",
      "mem.csv", options);
  ASSERT_EQ(trace.requests.size(), 3u);
  EXPECT_EQ(trace.requests[0].id, 1);  // ids stay in file order; the list is in arrival order
  EXPECT_DOUBLE_EQ(trace.requests[0].arrival_s, 0.0);
  EXPECT_EQ(trace.requests[1].id, 0);
  EXPECT_NEAR(trace.requests[1].arrival_s, 0.2, 1e-12);
  EXPECT_NEAR(trace.requests[2].arrival_s, 1.0, 1e-12);
}

TEST(ServingMooncake, ReadsExactRequestsWithPrefixHashes) {
  const std::string path = scratch_file("serving_mooncake.jsonl",
                                        "{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 7, \"hash_ids\": [0, 1]}\n"
                                        "\n"
                                        "{\"timestamp\": 1500, \"input_length\": 513, \"output_length\": 1, \"hash_ids\": [0, 18446744073709551615], \"x\": 1}\n"
                                        "{\"timestamp\": 1500.5, \"input_length\": 12.0, \"output_length\": 3}\n");
  std::int64_t skipped = -1;
  const ServingTrace trace = load_serving_trace(path, "", false, &skipped);
  EXPECT_EQ(skipped, 0);
  EXPECT_EQ(trace.format, "mooncake");
  ASSERT_EQ(trace.requests.size(), 3u);
  EXPECT_DOUBLE_EQ(trace.requests[0].arrival_s, 0.0);
  EXPECT_EQ(trace.requests[0].prompt_tokens, 1000);
  EXPECT_EQ(trace.requests[0].output_tokens, 7);
  EXPECT_EQ(trace.requests[0].prefix_block_hashes, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(trace.requests[0].block_tokens, 512);
  EXPECT_DOUBLE_EQ(trace.requests[1].arrival_s, 1.5);
  EXPECT_EQ(trace.requests[1].prefix_block_hashes, (std::vector<std::uint64_t>{0, 18446744073709551615ULL}));
  EXPECT_DOUBLE_EQ(trace.requests[2].arrival_s, 1.5005);
  EXPECT_EQ(trace.requests[2].prompt_tokens, 12);
  EXPECT_TRUE(trace.requests[2].prefix_block_hashes.empty());
  EXPECT_EQ(trace.requests[2].block_tokens, 0);
}

TEST(ServingMooncake, TiesKeepFileOrder) {
  const ServingTrace trace = read_mooncake_jsonl(
      "{\"timestamp\": 3000, \"input_length\": 1, \"output_length\": 1}\n"
      "{\"timestamp\": 3000, \"input_length\": 2, \"output_length\": 1}\n"
      "{\"timestamp\": 3000, \"input_length\": 3, \"output_length\": 1}\n",
      "mem.jsonl");
  ASSERT_EQ(trace.requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(trace.requests[static_cast<std::size_t>(i)].id, i);
    EXPECT_EQ(trace.requests[static_cast<std::size_t>(i)].prompt_tokens, i + 1);
  }
  EXPECT_DOUBLE_EQ(trace.requests[0].arrival_s, 3.0);  // Mooncake times are kept as given
}

TEST(ServingBurstGpt, KeepsSuccessfulRowsOnly) {
  const std::string path = scratch_file("serving_burstgpt.csv",
                                        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                                        "5,ChatGPT,472,18,490,Conversation log\n"
                                        "45,ChatGPT,1087,0,1087,Conversation log\n"  // failed: filtered
                                        "118,GPT-4,417,276,693,API log\n"
                                        "120,ChatGPT,0,12,12,API log\n"  // no prompt: filtered
                                        "130.5,GPT-4,20,1,21,Conversation log\n");
  ServingReadCounts counts;
  const ServingTrace trace = load_serving_trace(path, "burstgpt", ServingReadOptions{}, &counts);
  EXPECT_EQ(trace.format, "burstgpt");
  EXPECT_EQ(counts.filtered, 2);
  EXPECT_EQ(counts.skipped_corrupt, 0);
  ASSERT_EQ(trace.requests.size(), 3u);
  EXPECT_DOUBLE_EQ(trace.requests[0].arrival_s, 5.0);  // seconds from BurstGPT's day 0, as given
  EXPECT_EQ(trace.requests[0].prompt_tokens, 472);
  EXPECT_EQ(trace.requests[0].output_tokens, 18);
  EXPECT_EQ(trace.requests[1].id, 1);
  EXPECT_DOUBLE_EQ(trace.requests[1].arrival_s, 118.0);
  EXPECT_EQ(trace.requests[1].output_tokens, 276);
  EXPECT_DOUBLE_EQ(trace.requests[2].arrival_s, 130.5);
}

TEST(ServingFormat, DetectsEachFormatFromItsFirstLine) {
  EXPECT_EQ(detect_serving_format("# note\nTIMESTAMP,ContextTokens,GeneratedTokens\n", "a"), "azure");
  EXPECT_EQ(detect_serving_format("\n  {\"timestamp\": 0}\n", "m"), "mooncake");
  EXPECT_EQ(detect_serving_format("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n", "b"), "burstgpt");
  const std::string unknown = input_error_of([] { detect_serving_format("a,b,c\n1,2,3\n", "x.csv"); });
  EXPECT_TRUE(contains(unknown, "x.csv:1:")) << unknown;
  EXPECT_TRUE(contains(unknown, "azure, mooncake, burstgpt")) << unknown;
  EXPECT_TRUE(contains(input_error_of([] { detect_serving_format("\n\n", "e.csv"); }), "e.csv: the file is empty"));
  const std::string bad_name = input_error_of([] { read_serving_trace("x", "f.csv", "vidur"); });
  EXPECT_TRUE(contains(bad_name, "unknown serving-trace format 'vidur'")) << bad_name;
}

TEST(ServingFormat, MissingFileAndMissingColumnAreFileErrors) {
  EXPECT_TRUE(contains(input_error_of([] { load_serving_trace("/nonexistent/trace.csv"); }), "/nonexistent/trace.csv"));
  const std::string message = input_error_of([] { read_azure_csv("TIMESTAMP,ContextTokens\n2023-11-16 18:00:00,1\n", "t.csv"); });
  EXPECT_TRUE(contains(message, "t.csv:1: the header has no column 'GeneratedTokens'")) << message;
  // A skip option does not turn a broken file into an empty trace.
  ServingReadOptions skip;
  skip.skip_corrupt = true;
  const std::string empty = input_error_of([&] { read_mooncake_jsonl("{\"timestamp\": 1}\n", "e.jsonl", skip); });
  EXPECT_TRUE(contains(empty, "e.jsonl: no requests to replay (1 corrupt rows skipped")) << empty;
}

// Each corrupt row, alone after one good row, gives "FILE:3: PROBLEM" (line 1 is the
// header, line 2 the good row).
struct CorruptCase {
  const char* format;
  const char* good;
  const char* row;
  const char* problem;
};

constexpr const char* kAzureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";
constexpr const char* kBurstHeader = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type";
constexpr const char* kAzureGood = "2023-11-16 18:00:10,5,5";
constexpr const char* kBurstGood = "10,ChatGPT,5,5,10,API log";
constexpr const char* kMoonGood = "{\"timestamp\": 10000, \"input_length\": 5, \"output_length\": 5}";

const CorruptCase kCorrupt[] = {
    {"azure", kAzureGood, "2023-11-16 18:00:11,12x,5", "column 'ContextTokens': '12x' is not a whole number"},
    {"azure", kAzureGood, "2023-11-16 18:00:11,12", "expected 3 fields (as in the header), got 2"},
    {"azure", kAzureGood, "2023-11-16 18:00:11,-4,5", "column 'ContextTokens': token count -4 is negative"},
    {"azure", kAzureGood, "2023-11-16 18:00:11,4,0", "column 'GeneratedTokens': must be at least 1 token (got 0)"},
    {"azure", kAzureGood, "2023-11-31 18:00:11,4,5", "column 'TIMESTAMP': '2023-11-31 18:00:11' is not a timestamp"},
    {"azure", kAzureGood, "2023-11-16 18:00:09,4,5", "time goes backwards: arrival -1 s is before the previous arrival 0 s"},
    {"azure", kAzureGood, "2023-11-16 18:00:11,,5", "column 'ContextTokens': empty field"},
    {"burstgpt", kBurstGood, "11,ChatGPT,5,-1,4,API log", "column 'Response tokens': token count -1 is negative"},
    {"burstgpt", kBurstGood, "nan,ChatGPT,5,1,6,API log", "column 'Timestamp': 'nan' is not a finite number"},
    {"burstgpt", kBurstGood, "9,ChatGPT,5,1,6,API log", "time goes backwards"},
    {"burstgpt", kBurstGood, "11,\"ChatGPT\",5,1,6,API log", "quoted fields are not supported"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"input_length\": 5", "malformed JSON"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"output_length\": 5}", "missing key 'input_length'"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"input_length\": -5, \"output_length\": 5}", "key 'input_length': token count -5 is negative"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"input_length\": 5.5, \"output_length\": 5}", "key 'input_length': 5.5 is not a whole number"},
    {"mooncake", kMoonGood, "{\"timestamp\": \"now\", \"input_length\": 5, \"output_length\": 5}", "key 'timestamp': \"now\" is not a number"},
    {"mooncake", kMoonGood, "{\"timestamp\": 8000, \"input_length\": 5, \"output_length\": 5}", "time goes backwards"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"input_length\": 5, \"output_length\": 5, \"hash_ids\": [1, -2]}",
     "key 'hash_ids': element 1 (-2) is not a non-negative integer"},
    {"mooncake", kMoonGood, "[1, 2]", "expected a JSON object"},
    {"mooncake", kMoonGood, "{\"timestamp\": 11000, \"input_length\": 18446744073709551615, \"output_length\": 5}",
     "key 'input_length': 18446744073709551615 tokens exceeds the supported maximum"},
};

std::string file_with(const CorruptCase& c, const std::string& extra_good_row) {
  const std::string format = c.format;
  const std::string header = format == "azure" ? kAzureHeader : format == "burstgpt" ? kBurstHeader : "";
  // JSONL has no header: a blank first line keeps the bad row on line 3 for every format.
  return header + "\n" + c.good + "\n" + c.row + "\n" + extra_good_row;
}

TEST(ServingCorrupt, EachCorruptRowIsAnInputErrorNamingFileAndLine) {
  for (const CorruptCase& c : kCorrupt) {
    const std::string path = scratch_file(std::string("serving_corrupt.") + (std::string(c.format) == "mooncake" ? "jsonl" : "csv"), file_with(c, ""));
    const std::string message = input_error_of([&] { load_serving_trace(path, c.format); });
    EXPECT_TRUE(contains(message, path + ":3: ")) << message;
    EXPECT_TRUE(contains(message, c.problem)) << message << "\nexpected: " << c.problem;
  }
}

TEST(ServingCorrupt, SkipModeDropsAndCountsCorruptRows) {
  for (const CorruptCase& c : kCorrupt) {
    const std::string format = c.format;
    const std::string later = format == "azure"      ? "2023-11-16 18:00:20,6,6\n"
                              : format == "burstgpt" ? "20,GPT-4,6,6,12,API log\n"
                                                     : "{\"timestamp\": 20000, \"input_length\": 6, \"output_length\": 6}\n";
    const std::string path = scratch_file(format == "mooncake" ? "serving_skip.jsonl" : "serving_skip.csv", file_with(c, later));
    std::int64_t skipped = -1;
    const ServingTrace trace = load_serving_trace(path, "", true, &skipped);
    EXPECT_EQ(skipped, 1) << c.row;
    ASSERT_EQ(trace.requests.size(), 2u) << c.row;
    EXPECT_EQ(trace.requests[1].prompt_tokens, 6) << c.row;
    EXPECT_EQ(trace.requests[1].id, 1) << c.row;  // ids count kept rows
    EXPECT_NEAR(trace.requests[1].arrival_s - trace.requests[0].arrival_s, 10.0, 1e-9) << c.row;
  }
}

TEST(ServingCorrupt, StrictModeReportsTheFirstOfSeveral) {
  const std::string text = std::string(kAzureHeader) + "\n" + kAzureGood + "\n2023-11-16 18:00:11,x,1\n2023-11-16 18:00:12,1,y\n";
  EXPECT_TRUE(contains(input_error_of([&] { read_azure_csv(text, "s.csv"); }), "s.csv:3: column 'ContextTokens'"));
  ServingReadOptions skip;
  skip.skip_corrupt = true;
  ServingReadCounts counts;
  EXPECT_EQ(read_azure_csv(text, "s.csv", skip, &counts).requests.size(), 1u);
  EXPECT_EQ(counts.skipped_corrupt, 2);
}

}  // namespace
}  // namespace lcperf::traces

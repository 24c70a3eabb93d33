// Terminal tables: human units, alignment, the comparison table's relative error.
#include "reports/summary_table.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "report_fixtures.hpp"
#include "reports/format.hpp"

namespace lcperf::reports {
namespace {

TEST(Format, HumanUnits) {
  EXPECT_EQ(format_duration(0.0123456), "12.346 ms");
  EXPECT_EQ(format_duration(2.5), "2.500 s");
  EXPECT_EQ(format_duration(3.2e-6), "3.200 us");
  EXPECT_EQ(format_bytes(3.0 * (1LL << 30)), "3.00 GiB");
  EXPECT_EQ(format_bytes(512.0 * (1 << 20)), "512.00 MiB");
  EXPECT_EQ(format_percent(0.38214), "38.21 %");
  EXPECT_EQ(format_tokens_per_s(1234567.4), "1,234,567 tokens/s");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_quantity(0.2, "ratio"), "20.00 %");
  EXPECT_EQ(format_quantity(3, "GB/s"), "3 GB/s");
}

TEST(SummaryTable, ListsTheMetricsWithUnits) {
  const std::string text = training_summary_text(lcperf::testing::sample_result());
  EXPECT_NE(text.find("iteration time"), std::string::npos);
  EXPECT_NE(text.find("15.000 ms"), std::string::npos);
  EXPECT_NE(text.find("41.23 %"), std::string::npos);  // MFU
  EXPECT_NE(text.find("20.00 %"), std::string::npos);  // bubble
  EXPECT_NE(text.find("3.00 GiB"), std::string::npos);
  EXPECT_NE(text.find("1,092,267 tokens/s"), std::string::npos);
  EXPECT_EQ(text.find("comparison"), std::string::npos);
}

TEST(SummaryTable, ColumnsAreAligned) {
  const std::string text = render_text(training_metrics_table(lcperf::testing::sample_result()));
  std::size_t bar = std::string::npos;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    const std::size_t here = line.find_first_of("|+");
    if (bar == std::string::npos) bar = here;
    EXPECT_EQ(here, bar) << line;
    start = end + 1;
  }
}

TEST(SummaryTable, ComparisonShowsRelativeError) {
  const std::vector<ComparisonRow> rows = {
      {"bubble ratio", 0.21, 0.2, "ratio"},
      {"iteration time", 0.015, 0.015, "s"},
      {"idle", 0, 0, ""},
      {"undefined", 1, 0, ""},
  };
  EXPECT_NEAR(relative_error(rows[0]), 0.05, 1e-12);
  EXPECT_EQ(relative_error(rows[2]), 0.0);
  EXPECT_TRUE(std::isnan(relative_error(rows[3])));
  const std::string text = training_summary_text(lcperf::testing::sample_result(), rows);
  EXPECT_NE(text.find("expected (closed form)"), std::string::npos);
  EXPECT_NE(text.find("+5.00 %"), std::string::npos);
  EXPECT_NE(text.find("+0.00 %"), std::string::npos);
  EXPECT_NE(text.find("n/a"), std::string::npos);
}

TEST(SummaryTable, OomIsSpelledOut) {
  auto result = lcperf::testing::sample_result();
  result.oom = true;
  result.oom_detail = {true, 1, core::MemoryTag::kv_cache, 0.002, 1LL << 30, 70LL << 30, 80LL << 30};
  const std::string text = training_summary_text(result);
  EXPECT_NE(text.find("YES: rank 1, kv_cache"), std::string::npos) << text;
}

}  // namespace
}  // namespace lcperf::reports

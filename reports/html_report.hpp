#pragma once
// `lcperf report`: one self-contained page (inline SVG and CSS, nothing fetched) and its
// Markdown twin, built from the files a run left in its output folder. The readers take
// file texts, not paths, so the CLI owns all file access and tests need no files.
#include <string>
#include <utility>
#include <vector>

#include "core/records.hpp"
#include "reports/text_table.hpp"

namespace lcperf::reports {

struct ReportSection {
  std::string heading;
  std::string note;               // one paragraph of plain text, may be empty
  std::vector<std::string> svgs;  // standalone SVG documents, shown side by side when small
  Table table;                    // shown under the charts when it has rows; sortable in HTML
};

struct ReportPage {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // metric | value
  std::vector<ReportSection> sections;
};

std::string html_page(const ReportPage& page);
// Same content; the SVGs are embedded inline (GitHub strips them, most viewers do not).
std::string markdown_page(const ReportPage& page);

// Readers of the run folder's files. Malformed text throws core::InputError naming `what`.
// timeline.json (Chrome trace): complete ("X") events back to records, with rank and
// stream taken from the "rank R / STREAM" thread names lcperf writes.
core::RunRecords read_chrome_trace(const std::string& text, const std::string& what);
// memory.csv rows appended to records.memory.
void read_memory_csv(const std::string& text, const std::string& what, core::RunRecords& records);

// A serving run's requests.csv (runs/serving_requests_csv.hpp): each latency column's
// values, one per request that has it (an empty cell is a request without one). Columns
// are found by header name, so columns added later are passed over.
struct RequestLatencies {
  std::size_t rows = 0;
  std::vector<double> ttft_s, tpot_s, e2e_s, queueing_s;
};
RequestLatencies read_requests_csv(const std::string& text, const std::string& what);

// A serving run's timeseries.csv: per engine instance and step, the requests running and
// waiting and the KV blocks in use out of the instance's total.
struct InstanceSample {
  double time_s = 0;
  int instance = 0;
  double running = 0, waiting = 0, kv_used_blocks = 0, kv_total_blocks = 0;
};
std::vector<InstanceSample> read_timeseries_csv(const std::string& text, const std::string& what);

// The files of a serving run folder; an empty text is a file the folder lacks (older
// runs have no requests.csv or timeseries.csv), and the page does without it.
struct ServingRunFiles {
  std::string result_json;
  std::string requests_csv;
  std::string timeseries_csv;
};

// Pages for the kinds of output folder.
ReportPage training_page(const std::string& result_json, const core::RunRecords& records);
ReportPage serving_page(const ServingRunFiles& files);
inline ReportPage serving_page(const std::string& result_json) { return serving_page(ServingRunFiles{result_json, {}, {}}); }
ReportPage sweep_page(const std::string& results_jsonl, const std::string& best_json);
// `lcperf load-curve`'s folder: throughput, goodput and latency against offered load.
ReportPage load_curve_page(const std::string& load_curve_json);

}  // namespace lcperf::reports

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

// Pages for the three kinds of output folder.
ReportPage training_page(const std::string& result_json, const core::RunRecords& records);
ReportPage serving_page(const std::string& result_json);
ReportPage sweep_page(const std::string& results_jsonl, const std::string& best_json);

}  // namespace lcperf::reports

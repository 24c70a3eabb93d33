#include "reports/pipeline_svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "reports/format.hpp"
#include "reports/svg_plot.hpp"

namespace lcperf::reports {

namespace {

// Geometry, in pixels.
constexpr double kLeftMargin = 90;   // rank labels
constexpr double kRightMargin = 64;  // each row's idle share
constexpr double kTopMargin = 58;    // title and legend
constexpr double kBottomMargin = 44;  // time axis
constexpr double kComputeLaneHeight = 16;
constexpr double kCommLaneHeight = 7;
constexpr double kLaneGap = 1;
constexpr double kRowGap = 6;
constexpr double kRowHeight = kComputeLaneHeight + kLaneGap + kCommLaneHeight + kRowGap;
// Boxes closer than this on screen are drawn as one: a layer-granularity timeline has
// thousands of back-to-back ops per micro-batch that would otherwise bloat the file.
constexpr double kMergeGapPx = 0.5;
constexpr double kMinLabelWidthPx = 16;

struct Legend {
  const char* category;
  const char* label;
  const char* colour;
};
// Colour-blind-friendly palette (Tableau 10), one fixed colour per category.
constexpr std::array<Legend, 6> kLegend = {{
    {"forward", "forward", "#4e79a7"},
    {"backward", "backward", "#f28e2b"},
    {"recompute", "recompute", "#e15759"},
    {"p2p", "p2p send/recv", "#59a14f"},
    {"collective", "collective", "#76b7b2"},
    {"optimizer", "optimizer", "#b07aa1"},
}};
constexpr const char* kOtherColour = "#bab0ac";
// The compute lane's background: time the compute stream ran nothing (bubbles, waits).
constexpr const char* kIdleColour = "#e4e4e4";

struct Box {
  double x0 = 0;
  double x1 = 0;
  std::string category;
  int micro_batch = -1;
  double start_s = 0;
  double end_s = 0;
  std::string name;
  int ops = 1;
};

// XML escaping is shared with the other charts (svg_plot.hpp).
std::string escape_xml(const std::string& text) { return svg::escape(text); }

std::string px(double value) { return printf_string("%.2f", value); }

bool is_compute_lane(const core::TimelineRecord& record) { return record.stream == 0; }

// Communication recorded under a generic category still gets the p2p or collective
// colour from its stream (1 send, 2 recv, 3 collective).
std::string display_category(const core::TimelineRecord& record) {
  if (record.category == "send" || record.category == "recv") return "p2p";
  if (is_compute_lane(record) || category_colour(record.category) != kOtherColour) return record.category;
  if (record.stream == 1 || record.stream == 2) return "p2p";
  if (record.stream == 3) return "collective";
  return record.category;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks.
double tick_step(double span_s, int target) {
  const double raw = span_s / target;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double multiple : {1.0, 2.0, 5.0}) {
    if (multiple * power >= raw) return multiple * power;
  }
  return 10.0 * power;
}

// Axis labels share one unit, chosen from the span, so they line up as numbers.
std::string tick_label(double seconds, double span_s) {
  if (span_s >= 2.0) return printf_string("%g s", seconds);
  if (span_s >= 2e-3) return printf_string("%g ms", std::round(seconds * 1e9) / 1e6);
  return printf_string("%g us", std::round(seconds * 1e12) / 1e6);
}

// Boxes of one lane, in time order, with neighbours that touch on screen merged.
std::vector<Box> lane_boxes(std::vector<const core::TimelineRecord*> records, double t0, double scale) {
  std::stable_sort(records.begin(), records.end(),
                   [](const auto* a, const auto* b) { return a->start_s < b->start_s; });
  std::vector<Box> boxes;
  for (const auto* record : records) {
    Box box{kLeftMargin + (record->start_s - t0) * scale, kLeftMargin + (record->end_s - t0) * scale,
            display_category(*record), record->micro_batch, record->start_s, record->end_s, record->name, 1};
    if (!boxes.empty()) {
      Box& last = boxes.back();
      if (last.category == box.category && last.micro_batch == box.micro_batch && box.x0 - last.x1 < kMergeGapPx) {
        last.x1 = std::max(last.x1, box.x1);
        last.end_s = std::max(last.end_s, box.end_s);
        ++last.ops;
        continue;
      }
    }
    boxes.push_back(box);
  }
  return boxes;
}

void draw_box(std::string& out, const Box& box, double y, double height, bool label) {
  const double width = std::max(box.x1 - box.x0, 0.5);  // zero-length ops stay visible
  out += "<rect x=\"" + px(box.x0) + "\" y=\"" + px(y) + "\" width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" fill=\"" + category_colour(box.category) + "\" class=\"op\"><title>";
  std::string tip = box.ops == 1 ? box.name + " (" + box.category + ")" : box.category + " x" + std::to_string(box.ops);
  if (box.micro_batch >= 0) tip += ", micro-batch " + std::to_string(box.micro_batch);
  tip += ": " + format_duration(box.start_s) + " to " + format_duration(box.end_s);
  out += escape_xml(tip) + "</title></rect>\n";
  if (label && box.micro_batch >= 0 && width >= kMinLabelWidthPx) {
    out += "<text x=\"" + px(box.x0 + width / 2) + "\" y=\"" + px(y + height - 4) +
           "\" class=\"mb\">" + std::to_string(box.micro_batch) + "</text>\n";
  }
}

void draw_legend(std::string& out, const std::set<std::string>& present) {
  double x = kLeftMargin;
  const double y = 34;
  auto item = [&](const std::string& label, const std::string& colour) {
    out += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"12\" height=\"12\" fill=\"" + colour + "\"/>";
    out += "<text x=\"" + px(x + 16) + "\" y=\"" + px(y + 10) + "\" class=\"legend\">" + escape_xml(label) + "</text>\n";
    x += 24 + 7.0 * static_cast<double>(label.size());
  };
  bool other = false;
  for (const auto& entry : kLegend) {
    if (present.count(entry.category)) item(entry.label, entry.colour);
  }
  for (const auto& category : present) {
    if (category_colour(category) == kOtherColour) other = true;
  }
  if (other) item("other", kOtherColour);
  item("idle", kIdleColour);
}

std::string whole_percent(double ratio) { return std::to_string(std::lround(ratio * 100)) + "%"; }

// Share of [t0, t0 + span] in which none of the lane's ops ran (overlapping ops counted once).
double idle_fraction(std::vector<const core::TimelineRecord*> lane, double t0, double span_s) {
  std::sort(lane.begin(), lane.end(), [](auto* a, auto* b) { return a->start_s < b->start_s; });
  double busy = 0, covered_to = t0;
  for (const auto* r : lane) {
    const double start = std::max(r->start_s, covered_to);
    if (r->end_s > start) {
      busy += r->end_s - start;
      covered_to = r->end_s;
    }
  }
  return std::clamp(1.0 - busy / span_s, 0.0, 1.0);
}

void draw_axis(std::string& out, double t0, double span_s, double scale, double plot_top, double plot_bottom,
               double plot_right) {
  out += "<line x1=\"" + px(kLeftMargin) + "\" y1=\"" + px(plot_bottom) + "\" x2=\"" + px(plot_right) + "\" y2=\"" +
         px(plot_bottom) + "\" class=\"axis\"/>\n";
  const double step = tick_step(span_s, 8);
  const int ticks = static_cast<int>(std::floor(span_s / step + 1e-9));
  for (int i = 0; i <= ticks; ++i) {
    const double t = i * step;
    const double x = kLeftMargin + t * scale;
    out += "<line x1=\"" + px(x) + "\" y1=\"" + px(plot_top) + "\" x2=\"" + px(x) + "\" y2=\"" + px(plot_bottom + 4) +
           "\" class=\"grid\"/>";
    out += "<text x=\"" + px(x) + "\" y=\"" + px(plot_bottom + 17) + "\" class=\"tick\">" +
           escape_xml(tick_label(t, span_s)) + "</text>\n";
  }
  std::string caption = "time since first op";
  if (t0 != 0) caption += " (t0 = " + format_duration(t0) + ")";
  out += "<text x=\"" + px((kLeftMargin + plot_right) / 2) + "\" y=\"" + px(plot_bottom + 36) + "\" class=\"tick\">" +
         escape_xml(caption) + "</text>\n";
}

}  // namespace

std::string category_colour(const std::string& category) {
  for (const auto& entry : kLegend) {
    if (category == entry.category) return entry.colour;
  }
  return kOtherColour;
}

std::string pipeline_svg(const core::RunRecords& records, const PipelineSvgOptions& options) {
  std::set<int> all_ranks;
  double t0 = std::numeric_limits<double>::infinity();
  double t1 = -std::numeric_limits<double>::infinity();
  for (const auto& record : records.timeline) {
    all_ranks.insert(record.rank);
    t0 = std::min(t0, record.start_s);
    t1 = std::max(t1, record.end_s);
  }
  if (all_ranks.empty()) {
    t0 = 0;
    t1 = std::max(records.end_time_s, 1e-9);
  }
  const double span_s = t1 > t0 ? t1 - t0 : 1e-9;

  std::vector<int> ranks(all_ranks.begin(), all_ranks.end());
  const std::size_t shown = std::min(ranks.size(), static_cast<std::size_t>(std::max(options.max_ranks, 1)));
  ranks.resize(shown);

  const double width = std::max(options.width_px, 400);
  const double plot_right = width - kRightMargin;
  const double scale = (plot_right - kLeftMargin) / span_s;
  const double plot_top = kTopMargin;
  const double plot_bottom = plot_top + kRowHeight * static_cast<double>(std::max<std::size_t>(shown, 1));
  const double height = plot_bottom + kBottomMargin;

  // Records per (row, lane): compute on top, everything else on the thin lane below.
  std::map<int, std::size_t> row_of;
  for (std::size_t row = 0; row < ranks.size(); ++row) row_of[ranks[row]] = row;
  std::vector<std::vector<const core::TimelineRecord*>> compute(shown), comm(shown);
  std::set<std::string> present;
  for (const auto& record : records.timeline) {
    const auto it = row_of.find(record.rank);
    if (it == row_of.end()) continue;
    (is_compute_lane(record) ? compute : comm)[it->second].push_back(&record);
    present.insert(display_category(record));
  }

  std::string out;
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" viewBox=\"0 0 " + px(width) + " " + px(height) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out += "<style>.title{font-size:15px;font-weight:bold}.legend,.rank{font-size:11px}"
         ".tick{font-size:10px;text-anchor:middle;fill:#444}.idle{font-size:10px;fill:#666}.mb{font-size:9px;fill:#fff;text-anchor:middle}"
         ".op{stroke:#fff;stroke-width:0.5}.oomlabel{font-size:10px;font-weight:bold;fill:#d00;paint-order:stroke;stroke:#fff;stroke-width:3px}"
         ".axis{stroke:#444}.grid{stroke:#ddd}.oom{stroke:#d00;stroke-width:2}</style>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  std::string title = options.title;
  if (shown < all_ranks.size()) {
    title += " (first " + std::to_string(shown) + " of " + std::to_string(all_ranks.size()) + " ranks)";
  }
  out += "<text x=\"" + px(kLeftMargin) + "\" y=\"20\" class=\"title\">" + escape_xml(title) + "</text>\n";
  draw_legend(out, present);
  draw_axis(out, t0, span_s, scale, plot_top, plot_bottom, plot_right);

  for (std::size_t row = 0; row < shown; ++row) {
    const double y = plot_top + kRowHeight * static_cast<double>(row) + kRowGap / 2;
    out += "<text x=\"" + px(kLeftMargin - 8) + "\" y=\"" + px(y + 12) + "\" class=\"rank\" text-anchor=\"end\">rank " +
           std::to_string(ranks[row]) + "</text>\n";
    const double idle = idle_fraction(compute[row], t0, span_s);
    out += "<rect x=\"" + px(kLeftMargin) + "\" y=\"" + px(y) + "\" width=\"" + px(plot_right - kLeftMargin) +
           "\" height=\"" + px(kComputeLaneHeight) + "\" fill=\"" + kIdleColour + "\"><title>rank " +
           std::to_string(ranks[row]) + ": compute stream idle " + whole_percent(idle) + " of the span</title></rect>\n";
    for (const Box& box : lane_boxes(compute[row], t0, scale)) draw_box(out, box, y, kComputeLaneHeight, true);
    out += "<text x=\"" + px(plot_right + 6) + "\" y=\"" + px(y + 12) + "\" class=\"idle\">" +
           whole_percent(idle) + " idle</text>\n";
    const double comm_y = y + kComputeLaneHeight + kLaneGap;
    for (const Box& box : lane_boxes(comm[row], t0, scale)) draw_box(out, box, comm_y, kCommLaneHeight, false);
  }

  // The OOM moment, on the rank that ran out, so the reader sees what was running then.
  if (records.oom.happened && row_of.count(records.oom.rank)) {
    const double y = plot_top + kRowHeight * static_cast<double>(row_of[records.oom.rank]);
    const double x = kLeftMargin + (records.oom.time_s - t0) * scale;
    out += "<line x1=\"" + px(x) + "\" y1=\"" + px(y) + "\" x2=\"" + px(x) + "\" y2=\"" + px(y + kRowHeight) +
           "\" class=\"oom\"><title>out of memory</title></line>\n";
    out += "<text x=\"" + px(x + 3) + "\" y=\"" + px(y + 10) + "\" class=\"oomlabel\">OOM</text>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace lcperf::reports

// Reading Vidur's collective tables; see vidur_network_table.hpp.
#include "cost_models/vidur_network_table.hpp"

#include "core/errors.hpp"
#include "cost_models/vidur_csv.hpp"

namespace lcperf::cost {

namespace {

constexpr std::string_view kOtherColumns[] = {"index", "rank", "num_workers", "size", "collective",
                                              "devices_per_node", "max_devices_per_node"};

bool is_other_column(std::string_view name) {
  for (std::string_view c : kOtherColumns) {
    if (c == name) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(VidurCollective collective) {
  switch (collective) {
    case VidurCollective::all_reduce: return "all_reduce";
    case VidurCollective::send_recv: return "send_recv";
  }
  return "?";
}

std::optional<VidurCollective> parse_vidur_collective(std::string_view text) {
  for (VidurCollective c : {VidurCollective::all_reduce, VidurCollective::send_recv}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

std::vector<VidurCollectiveRow> parse_vidur_network_table(std::string_view text, const std::string& origin) {
  const VidurCsv csv(text, origin);

  // The timing columns name the file's collective; every one must name the same.
  std::optional<VidurCollective> collective;
  for (const std::string& name : csv.header()) {
    if (is_other_column(name)) continue;
    csv.check_time_column(name, {to_string(VidurCollective::all_reduce), to_string(VidurCollective::send_recv)});
    const VidurCollective named = *parse_vidur_collective(parse_time_stat_column(name)->op);
    if (collective && *collective != named) {
      csv.fail_header(name, "times a different collective than the columns before it (one collective per file)");
    }
    collective = named;
  }
  if (!collective) {
    csv.fail_header("time_stats.all_reduce.median", "missing (no time_stats.<collective>.<stat> column)");
  }
  const std::string prefix = std::string(kVidurTimePrefix) + std::string(to_string(*collective)) + ".";
  constexpr std::string_view kWhy = "a Vidur network table has the size, workers and node layout of each row";
  const std::size_t c_median = csv.require(prefix + "median", "the median time is fitted");
  const std::optional<std::size_t> c_min = csv.column(prefix + "min");
  const std::optional<std::size_t> c_max = csv.column(prefix + "max");
  const std::size_t c_size = csv.require("size", kWhy);
  const std::size_t c_workers = csv.require("num_workers", kWhy);
  const std::size_t c_per_node = csv.require("devices_per_node", kWhy);
  const std::optional<std::size_t> c_collective = csv.column("collective");

  std::vector<VidurCollectiveRow> rows;
  for (const CsvRow& row : csv.rows()) {
    VidurCollectiveRow r;
    r.line = row.line;
    r.collective = *collective;
    if (c_collective && row.fields[*c_collective] != to_string(*collective)) {
      csv.fail(row, "column 'collective': '" + std::string(row.fields[*c_collective]) +
                          "' does not match the timing columns (" + std::string(to_string(*collective)) + ")");
    }
    r.bytes = csv.integer(row, c_size, 1, std::int64_t{1} << 50);
    r.workers = static_cast<int>(csv.integer(row, c_workers, 2, 1 << 20));
    r.devices_per_node = static_cast<int>(csv.integer(row, c_per_node, 1, r.workers));
    if (r.workers % r.devices_per_node != 0) {
      csv.fail(row, "column 'devices_per_node': " + std::to_string(r.devices_per_node) +
                          " does not divide num_workers " + std::to_string(r.workers));
    }
    r.median_s = csv.seconds(row, c_median);
    r.min_s = c_min ? csv.seconds(row, *c_min) : r.median_s;
    r.max_s = c_max ? csv.seconds(row, *c_max) : r.median_s;
    rows.push_back(r);
  }
  if (rows.empty()) throw core::InputError(origin + ": no rows after the header");
  return rows;
}

}  // namespace lcperf::cost

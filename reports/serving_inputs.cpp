// Reading a serving run folder's tables back: requests.csv and timeseries.csv as
// runs/serving_requests_csv.cpp and the engine write them.
#include <charconv>
#include <cstddef>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "reports/html_report.hpp"

namespace lcperf::reports {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1) {
    cells.push_back(line.substr(start, comma - start));
  }
  cells.push_back(line.substr(start));
  if (!cells.empty() && !cells.back().empty() && cells.back().back() == '\r') cells.back().pop_back();
  return cells;
}

// A CSV with a header row, read by column name; every named column must be there.
class CsvColumns {
 public:
  CsvColumns(const std::string& text, const std::string& what, const std::vector<std::string>& wanted) : what_(what) {
    std::istringstream in(text);
    std::string header;
    std::getline(in, header);
    const std::vector<std::string> names = split(header);
    for (const std::string& name : wanted) {
      std::size_t i = 0;
      while (i < names.size() && names[i] != name) ++i;
      if (i == names.size()) throw core::InputError(what + ": line 1: no column \"" + name + "\"");
      index_[name] = i;
    }
    int line_number = 1;
    for (std::string line; std::getline(in, line);) {
      ++line_number;
      if (line.empty() || line == "\r") continue;
      rows_.push_back(split(line));
      lines_.push_back(line_number);
      if (rows_.back().size() < names.size()) {
        throw core::InputError(what + ": line " + std::to_string(line_number) + ": " +
                               std::to_string(rows_.back().size()) + " cells, the header has " +
                               std::to_string(names.size()));
      }
    }
  }
  std::size_t size() const { return rows_.size(); }
  bool empty_cell(std::size_t row, const std::string& name) const { return rows_[row][index_.at(name)].empty(); }
  double number(std::size_t row, const std::string& name) const {
    const std::string& cell = rows_[row][index_.at(name)];
    double value = 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) {
      throw core::InputError(what_ + ": line " + std::to_string(lines_[row]) + ": column " + name + ": \"" + cell +
                             "\" is not a number");
    }
    return value;
  }

 private:
  std::string what_;
  std::map<std::string, std::size_t> index_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> lines_;
};

}  // namespace

RequestLatencies read_requests_csv(const std::string& text, const std::string& what) {
  const CsvColumns csv(text, what, {"ttft_s", "tpot_s", "e2e_s", "queueing_s"});
  RequestLatencies out;
  out.rows = csv.size();
  for (std::size_t row = 0; row < csv.size(); ++row) {
    for (auto [name, values] : {std::pair{"ttft_s", &out.ttft_s}, std::pair{"tpot_s", &out.tpot_s},
                                std::pair{"e2e_s", &out.e2e_s}, std::pair{"queueing_s", &out.queueing_s}}) {
      if (!csv.empty_cell(row, name)) values->push_back(csv.number(row, name));
    }
  }
  return out;
}

std::vector<InstanceSample> read_timeseries_csv(const std::string& text, const std::string& what) {
  const CsvColumns csv(text, what, {"time_s", "instance", "running", "waiting", "kv_used_blocks", "kv_total_blocks"});
  std::vector<InstanceSample> out;
  for (std::size_t row = 0; row < csv.size(); ++row) {
    InstanceSample s;
    s.time_s = csv.number(row, "time_s");
    s.instance = static_cast<int>(csv.number(row, "instance"));
    s.running = csv.number(row, "running");
    s.waiting = csv.number(row, "waiting");
    s.kv_used_blocks = csv.number(row, "kv_used_blocks");
    s.kv_total_blocks = csv.number(row, "kv_total_blocks");
    out.push_back(s);
  }
  return out;
}

}  // namespace lcperf::reports

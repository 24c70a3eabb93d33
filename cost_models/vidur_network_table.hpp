#pragma once
// A measured collective table in the Vidur layout (network/<setup>/all_reduce.csv and
// send_recv.csv; cost_models/measured/vidur/README.md): one row per (buffer size,
// workers, workers per node) with `time_stats.<collective>.<stat>` in milliseconds and
// `size` in bytes of the whole fp16 buffer (what nccl-tests calls the size). Strict
// like the compute tables: unknown columns, a `collective` cell that does not match
// the timing columns, bad numbers are core::InputError "FILE:LINE: column 'C': ...".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::cost {

enum class VidurCollective { all_reduce, send_recv };

std::string_view to_string(VidurCollective collective);
std::optional<VidurCollective> parse_vidur_collective(std::string_view text);

struct VidurCollectiveRow {
  std::size_t line = 0;
  VidurCollective collective = VidurCollective::all_reduce;
  std::int64_t bytes = 0;
  int workers = 0;           // ranks taking part
  int devices_per_node = 0;  // of them, on each node (workers / devices_per_node nodes)
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;

  int nodes() const { return workers / devices_per_node; }
};

// All rows of one file hold the same collective (its timing columns name it).
std::vector<VidurCollectiveRow> parse_vidur_network_table(std::string_view text, const std::string& origin);

}  // namespace lcperf::cost

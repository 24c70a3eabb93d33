#pragma once
// A serving workload: requests with arrival times, prompt and output lengths, and (for
// Mooncake traces) the prefix-block hashes that let a simulator model KV-cache reuse.
//
// Readers: serving_readers.hpp. Rescaling and cutting: serving_transform.hpp.
// Synthetic workloads: serving_synthetic.hpp.
#include <cstdint>
#include <string>
#include <vector>

namespace lcperf::traces {

struct ServingRequest {
  std::int64_t id = 0;        // position in the source file among kept rows (0-based)
  double arrival_s = 0.0;     // seconds from the trace's time origin
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  // Mooncake hash_ids: equal values mean the same prefix block, so a request whose
  // leading hashes were seen before can reuse that KV cache. Empty for other formats.
  std::vector<std::uint64_t> prefix_block_hashes;
  std::int64_t block_tokens = 0;  // tokens per hash block (Mooncake: 512); 0 without hashes
};

struct ServingTrace {
  std::string name;    // short name: the file's stem, or the generator's
  std::string source;  // the file read, or the generator's parameters; transforms append " | STEP"
  std::string format;  // "azure", "mooncake", "burstgpt" or "synthetic"
  // Sorted by arrival; ties keep file order, so ids ascend within a tie.
  std::vector<ServingRequest> requests;
};

// Summary numbers for reports and sanity checks; all zero for an empty trace.
struct ServingStats {
  std::int64_t requests = 0;
  double span_s = 0.0;               // last arrival minus first
  double rate_per_s = 0.0;           // (requests - 1) / span_s: the mean inter-arrival rate; 0 when span_s is 0
                                     // or so small that the rate is not a finite number
  double mean_prompt_tokens = 0.0;
  double mean_output_tokens = 0.0;
};

ServingStats serving_stats(const ServingTrace& trace);

}  // namespace lcperf::traces

#pragma once
// Readers for public LLM serving traces.
//
//   azure     CSV  TIMESTAMP,ContextTokens,GeneratedTokens (Azure LLM inference 2023 and
//                  2024). TIMESTAMP is a wall-clock string "YYYY-MM-DD HH:MM:SS[.fraction]"
//                  with an optional "Z" or "+HH:MM" offset; arrival = seconds since the
//                  earliest request, so the trace starts at 0.
//   mooncake JSONL {"timestamp": ms, "input_length", "output_length", "hash_ids": [...]}
//                  (Mooncake FAST'25). Arrival = timestamp / 1000 as given (already
//                  relative); hash_ids become prefix_block_hashes with 512-token blocks.
//                  hash_ids may be absent; other keys are ignored.
//   burstgpt CSV  Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type
//                  (BurstGPT; extra columns such as Session ID are ignored). Arrival =
//                  Timestamp in seconds as given. Only successful requests are kept:
//                  a row with 0 response tokens is a failed request (BurstGPT's own
//                  convention), and a row with 0 request tokens has no prompt to prefill;
//                  both are dropped and counted as `filtered`, not as corrupt.
//
// In the CSV formats columns are found by header name (any order), blank lines and lines
// starting with '#' are skipped, fields are not quoted. Token counts are whole numbers
// in [1, 2^40] (BurstGPT also admits the 0 that marks a filtered row).
//
// A corrupt row (malformed JSON, a missing or extra field, a bad number, a negative or
// zero token count, an arrival earlier than a previous one by more than the tolerance)
// is a core::InputError "FILE:LINE: PROBLEM". With skip_corrupt the row is dropped and
// counted instead. Problems with the file as a whole (unreadable, no header, a required
// column absent, no request left) are always errors. Arrivals that step back by less
// than the tolerance are kept and the trace is sorted stably by arrival.
#include <cstdint>
#include <string>
#include <string_view>

#include "traces/serving_trace.hpp"

namespace lcperf::traces {

inline constexpr std::int64_t kMooncakeBlockTokens = 512;

struct ServingReadOptions {
  bool skip_corrupt = false;
  // Logs are written by many frontends whose clocks and flush order jitter slightly;
  // a step back within this many seconds is reordering, beyond it the row is corrupt.
  double backwards_tolerance_s = 1e-3;
};

struct ServingReadCounts {
  std::int64_t skipped_corrupt = 0;  // corrupt rows dropped under skip_corrupt
  std::int64_t filtered = 0;         // valid rows the format says not to replay (BurstGPT failures)
};

// Each reader parses `text`; `origin` (usually the path) prefixes messages and its stem
// is the trace's name. `counts` may be null.
ServingTrace read_azure_csv(std::string_view text, const std::string& origin, const ServingReadOptions& options = {},
                            ServingReadCounts* counts = nullptr);
ServingTrace read_mooncake_jsonl(std::string_view text, const std::string& origin, const ServingReadOptions& options = {},
                                 ServingReadCounts* counts = nullptr);
ServingTrace read_burstgpt_csv(std::string_view text, const std::string& origin, const ServingReadOptions& options = {},
                               ServingReadCounts* counts = nullptr);

// "azure", "mooncake" or "burstgpt" from the first non-blank, non-comment line: '{' is
// Mooncake JSONL; a CSV header with ContextTokens is Azure, with "Request tokens"
// BurstGPT. Anything else is an InputError naming the supported formats.
std::string detect_serving_format(std::string_view text, const std::string& origin);

// Dispatches on `format` ("" = detect); an unknown format name is an InputError.
ServingTrace read_serving_trace(std::string_view text, const std::string& origin, const std::string& format = "",
                                const ServingReadOptions& options = {}, ServingReadCounts* counts = nullptr);

// Reads a file (or a shipped trace by id, see serving_trace_path). With skip_corrupt,
// corrupt rows are dropped and their number is stored in *skipped (when not null;
// 0 otherwise).
ServingTrace load_serving_trace(const std::string& path, const std::string& format = "", bool skip_corrupt = false,
                                std::int64_t* skipped = nullptr);
ServingTrace load_serving_trace(const std::string& path, const std::string& format, const ServingReadOptions& options,
                                ServingReadCounts* counts);

// Folder of the shipped serving traces: length_distributions_dir() + "/serving"
// (traces/data/serving, or $LCPERF_TRACES_DIR/serving).
std::string serving_traces_dir();
// An id ("azure-conv-2023": no '/', no .csv/.jsonl suffix) names DIR/<id>.csv or
// DIR/<id>.jsonl, whichever exists; an unknown id is an InputError listing the shipped
// ones. Anything else is a path, returned unchanged.
std::string serving_trace_path(const std::string& id_or_path);

}  // namespace lcperf::traces

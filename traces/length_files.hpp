#pragma once
// Length-distribution files: formats, reading, and lookup by id.
//
// Histograms (weights are relative and normalised on load):
//   JSON  {"name": "...", "source": "...", "licence": "...", "unit": "tokens",
//          "within_bin": "uniform" | "log_uniform",      (optional, default uniform)
//          "notes": "...",                                 (optional, free text)
//          "bins": [{"min": 1, "max": 1024, "weight": 0.9,
//                    "within_bin": "log_uniform"}, ...]}   (per-bin override, optional)
//         Only "bins" is required; unknown keys are errors (a typo never falls back).
//   CSV   header with columns min,max,weight (any order) and optionally within_bin.
// Per-sample lengths (every sample weighs the same):
//   JSONL one object per line: {"length": N}, or the sum of a pair: {"input_tokens",
//         "output_tokens"} or Mooncake's {"input_length", "output_length"}. Other keys
//         on a row are ignored, so dataset dumps load as they are.
//   CSV   a `length` column, or a pair summed: num_prefill_tokens,num_decode_tokens
//         (Vidur) or ContextTokens,GeneratedTokens (Azure). Other columns are ignored.
// Bin bounds are inclusive token counts in [1, 2^40]; bins ascend without overlapping.
// A corrupt row is a core::InputError naming the file and line (CSV, JSONL) or the
// file and JSON path (JSON), and the rule broken.
#include <string>
#include <string_view>

#include "traces/length_distribution.hpp"

namespace lcperf::traces {

// Readers for each format; `origin` (usually the path) prefixes error messages and
// its stem is the default name.
LengthDistribution read_histogram_json(std::string_view text, const std::string& origin);
LengthDistribution read_histogram_csv(std::string_view text, const std::string& origin);
LengthDistribution read_samples_jsonl(std::string_view text, const std::string& origin);
LengthDistribution read_samples_csv(std::string_view text, const std::string& origin);

// Reads any of the above from a path or an id (see length_distribution_path), the
// format chosen by extension and then content:
//   .jsonl / .ndjson              per-sample JSONL
//   .json                         histogram, unless its first line alone is a complete
//                                 object without "bins" (JSONL saved as .json)
//   .csv                          histogram when the header has min,max,weight; else samples
//   anything else                 '{' first means JSON as above, otherwise CSV
LengthDistribution load_length_distribution(const std::string& id_or_path);

// Folder of the shipped distributions: $LCPERF_TRACES_DIR when set, else traces/data
// next to the bundled scenarios folder (core::data_dir()/../traces/data).
std::string length_distributions_dir();
// An id ("chunkflow-long-sft": no '/', no .json/.jsonl/.csv/.ndjson suffix) names
// DIR/<id>.json, .csv or .jsonl, the first that exists; an unknown id is an
// InputError listing the known ones. Anything else is a path, returned unchanged.
std::string length_distribution_path(const std::string& id_or_path);

}  // namespace lcperf::traces

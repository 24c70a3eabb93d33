#pragma once
// The BladeDISC++ memory study (`lcperf memory-study`): activation-memory strategies
// compared over sampled long-tail training steps. studies/memory_study.cpp says how.
#include <cstdint>
#include <string>

#include "reports/memory_study.hpp"

namespace lcperf::studies {

struct MemoryStudyOptions {
  std::string model = "llama3-8b";
  std::string dataset = "chunkflow-long-sft";
  std::string device = "h200";
  int steps = 50;
  int micro_batches = 64;
  std::uint64_t seed = 1;
  int tp = 2;
  bool sp = false;
  double limit_gib = 0;  // used only when given
  bool limit_given = false;
  int layers = 0;  // 0: all of the model's layers
  std::int64_t context = 32768;
  std::string out = "out/memory-study.md";  // named in the report's command line
};

// Runs the study; throws core::InputError naming the option when an option is out of range.
reports::MemoryStudy run_memory_study(const MemoryStudyOptions& options);

}  // namespace lcperf::studies

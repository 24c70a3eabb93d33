#pragma once
// How the ChunkFlow reproduction names its configurations and writes its quantities, in
// one place: the study names its runs with these labels (progress lines, run ids) and the
// report's tables and verdicts use the same ones, so a run reads the same everywhere.
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::reports {

std::string kilo_label(std::int64_t tokens);          // 32768 -> "32K"; not a multiple of 1024: plain
std::string strategy_label(const core::Scenario& s);  // "`<TP4, SP, PP4, full> × DP2`"
std::string chunk_label(const core::Scenario& s);     // "(ChunkSize, K)", e.g. "(8K, 4)"
std::string pair_label(const core::Scenario& s);      // "<model> at <context>", e.g. "qwen2.5-7b at 256K"

std::string seconds_text(double s);       // "1.234 s"
std::string milliseconds_text(double s);  // "12.3 ms"
std::string gib_with_unit(double bytes);  // "12.34 GiB"
std::string speedup_text(double ratio);   // "3.33×"
std::string signed_percent_text(double ratio);  // 0.123 -> "+12.3 %"
// "no", or "**OOM** (rank R, tag)" naming the rank and memory tag that ran out.
std::string oom_text(const core::TrainingResult& r);

}  // namespace lcperf::reports

#pragma once
// The Qwen2.5-1M reproduction behind `lcperf reproduce qwen1m`: single-request prefill
// of 128K-1M-token prompts for the *-prefill.json scenarios in scenarios/qwen1m/, dense
// vs vertical-slash sparse attention, chunk sizes 32K and 128K, peak memory with and
// without chunked prefill, and dynamic chunked pipeline parallelism (DCPP) vs fixed
// chunks.
//
// Why it prices directly instead of replaying: one request alone in an engine runs one
// step per prefill chunk (the scheduler has nothing else to batch), and the replay
// prices each step as the sum of its parts with the same cost model. So TTFT is the sum
// over chunks of the priced step parts, computed here in-process in milliseconds and
// deterministically (tests/studies/reproduce_qwen1m_test.cpp checks it against a replay).
#include <cstdint>
#include <string>
#include <vector>

#include "core/qwen1m_attention.hpp"
#include "core/scenario.hpp"
#include "reports/qwen1m_report.hpp"

namespace lcperf::studies {

// Seconds of a single-request prefill of `prompt` tokens in chunks of `chunk` tokens
// (the whole prompt when chunk <= 0), with the scenario's model, TP and GPU.
double single_prefill_ttft_s(const core::Scenario& s, std::int64_t prompt, std::int64_t chunk,
                             const core::LongContextOptions& options);

// Prices every table of the report (reports/qwen1m_report.hpp writes it). `quick`: one
// scenario and two context lengths (for tests).
reports::Qwen1mResults run_qwen1m_study(const std::string& data_dir, bool quick);

}  // namespace lcperf::studies

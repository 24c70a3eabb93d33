#include "cli/serving_validate.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "core/exit_codes.hpp"
#include "cli/output_dir.hpp"
#include "core/atomic_file.hpp"
#include "core/output_set.hpp"

namespace lcperf::cli {

namespace {

using nlohmann::json;

json runtime_json(const runs::ServingRuntimeOutcome& o) {
  return {{"end_s", o.end_time_s},
          {"steps", o.counters.steps},
          {"decisions", o.decisions.size()},
          {"output_tokens", o.output_tokens_per_request},
          {"kv_blocks_allocated", o.counters.blocks_allocated},
          {"kv_blocks_freed", o.counters.blocks_freed}};
}

bool same_decisions(const runs::ServingLiveComparison& c) {
  return runs::per_rank_decision_lines(c.live.decisions) == runs::per_rank_decision_lines(c.simulated.decisions);
}

}  // namespace

std::string serving_validation_json(const core::Scenario& scenario, const runs::ServingLiveComparison& c) {
  const double measured = c.live.end_time_s;
  json out = {{"scenario", scenario.name},
              {"kind", "serving"},
              {"backend", "cpu"},
              {"note", "every arrival moved to t = 0 in both runtimes (cli/serving_live.hpp says why)"},
              {"decisions_identical", same_decisions(c)},
              {"output_tokens_match", c.live.output_tokens_per_request == c.live.expected_output_tokens &&
                                          c.simulated.output_tokens_per_request == c.simulated.expected_output_tokens},
              {"end_to_end", {{"simulated_s", c.simulated.end_time_s},
                              {"measured_s", measured},
                              {"relative_error", measured > 0 ? (c.simulated.end_time_s - measured) / measured : 0.0}}},
              {"expected_output_tokens", c.live.expected_output_tokens},
              {"live", runtime_json(c.live)},
              {"simulated", runtime_json(c.simulated)}};
  return out.dump(2) + "\n";
}

int validate_serving(const core::Scenario& scenario, const std::filesystem::path& dir, bool quiet) {
  const runs::ServingLiveComparison c = runs::run_serving_live_and_simulated(scenario);
  const bool identical = same_decisions(c);
  core::OutputSet set(dir);
  core::write_file_atomically(set.staged("validation.json").string(), serving_validation_json(scenario, c));
  set.commit();
  if (!quiet) {
    std::cout << "validate " << scenario.name << " (serving, cpu backend, pp " << scenario.parallel.pp << ")\n"
              << "  decision logs: " << (identical ? "identical" : "DIFFERENT") << " (" << c.simulated.decisions.size()
              << " decisions, " << c.live.counters.steps << " steps)\n"
              << "  end to end: simulated " << c.simulated.end_time_s << " s, measured " << c.live.end_time_s << " s\n"
              << "  KV blocks live: " << c.live.counters.blocks_allocated << " allocated, "
              << c.live.counters.blocks_freed << " freed\n"
              << "wrote:\n  " << (dir / "validation.json").string() << "\n";
  }
  if (!identical) {
    std::cerr << "lcperf: error: the simulated and live serving runs took different decisions\n";
    return core::kExitInternalFailure;
  }
  return core::kExitSuccess;
}

}  // namespace lcperf::cli

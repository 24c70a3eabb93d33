#include "cli/serving_progress.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/sweep_progress.hpp"
#include "reports/format.hpp"

namespace lcperf::cli {

namespace {

// Plain lines (not a terminal) come at most this often; the simulator reports about
// every 0.5 s, the terminal line is redrawn each time.
constexpr double kPlainLinePeriodS = 2.0;

std::string progress_text(const std::string& command, const runs::ServingProgress& p) {
  const double factor = p.wall_s > 0 ? p.simulated_s / p.wall_s : 0;
  return reports::printf_string("%s: simulated %.1f s, requests %lld/%lld done, %.0fx real time", command.c_str(),
                                p.simulated_s, static_cast<long long>(p.requests_done),
                                static_cast<long long>(p.requests_total), factor);
}

}  // namespace

void ProgressFlags::add_to(CLI::App& command) {
  CLI::Option* force = command.add_flag(
      "--progress", on, "Print the replay's progress on stderr even when it is not a terminal (plain lines, every 2 s)");
  command.add_flag("--no-progress", off, "Print no progress line (default when stderr is not a terminal, or with --quiet)")
      ->excludes(force);
}

runs::ServingProgressFn ProgressFlags::printer(const std::string& command, bool quiet) const {
  const bool terminal = stderr_is_terminal();
  if (off || (!on && (quiet || !terminal))) return {};
  auto last_plain_s = std::make_shared<double>(-kPlainLinePeriodS);
  return [command, terminal, last_plain_s](const runs::ServingProgress& p) {
    const std::string text = progress_text(command, p);
    if (terminal) {
      // \r and clear-to-end-of-line redraw the line in place; the last one stays.
      std::cerr << "\r\033[K" << text << (p.final ? "\n" : "") << std::flush;
      return;
    }
    if (!p.final && p.wall_s - *last_plain_s < kPlainLinePeriodS) return;
    *last_plain_s = p.wall_s;
    std::cerr << text << "\n" << std::flush;
  };
}

}  // namespace lcperf::cli

#include "cli/sweep_progress.hpp"

#include <unistd.h>

#include <iostream>

#include "reports/format.hpp"

namespace lcperf::cli {

namespace {

constexpr int kBarWidth = 30;

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  return reports::printf_string("%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

SweepProgress::SweepProgress(std::size_t total, bool terminal)
    : total_(total), terminal_(terminal), start_(std::chrono::steady_clock::now()) {}

void SweepProgress::finished(std::size_t done, const std::string& label, const std::string& summary) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  if (!terminal_) {
    const int width = static_cast<int>(std::to_string(total_).size());
    std::cerr << reports::printf_string("sweep: [%*zu/%zu] ", width, done, total_) << label << ": " << summary << "\n"
              << std::flush;
    return;
  }
  const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kBarWidth);
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  // \r and clear-to-end-of-line redraw the bar in place.
  std::cerr << "\r\033[K[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(kBarWidth - filled), ' ') << "] "
            << reports::printf_string("%zu/%zu %3.0f%%  %.1f simulations/s  ETA %s", done, total_, 100 * fraction, rate,
                                      clock_text(eta).c_str())
            << std::flush;
  drawn_ = true;
}

void SweepProgress::close() {
  if (drawn_) std::cerr << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace lcperf::cli

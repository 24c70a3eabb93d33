#include "traces/wall_clock.hpp"

#include <chrono>

namespace lcperf::traces {
namespace {

// Consumes exactly `digits` decimal digits from the front of text.
std::optional<int> take_digits(std::string_view& text, std::size_t digits) {
  if (text.size() < digits) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  text.remove_prefix(digits);
  return value;
}

bool take_char(std::string_view& text, char expected) {
  if (text.empty() || text.front() != expected) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<WallClock> parse_wall_clock(std::string_view text) {
  const auto year = take_digits(text, 4);
  if (!year || !take_char(text, '-')) return std::nullopt;
  const auto month = take_digits(text, 2);
  if (!month || !take_char(text, '-')) return std::nullopt;
  const auto day = take_digits(text, 2);
  if (!day || !(take_char(text, ' ') || take_char(text, 'T'))) return std::nullopt;
  const auto hour = take_digits(text, 2);
  if (!hour || !take_char(text, ':')) return std::nullopt;
  const auto minute = take_digits(text, 2);
  if (!minute || !take_char(text, ':')) return std::nullopt;
  const auto second = take_digits(text, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  std::int64_t nanoseconds = 0;
  if (take_char(text, '.')) {
    std::size_t digits = 0;
    std::int64_t scale = 100000000;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      nanoseconds += (text.front() - '0') * scale;  // scale reaches 0 after nine digits: truncation
      scale /= 10;
      ++digits;
      text.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
  }

  std::int64_t offset_s = 0;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    const int sign = text.front() == '+' ? 1 : -1;
    text.remove_prefix(1);
    const auto offset_h = take_digits(text, 2);
    if (!offset_h || !take_char(text, ':')) return std::nullopt;
    const auto offset_m = take_digits(text, 2);
    if (!offset_m || *offset_h > 23 || *offset_m > 59) return std::nullopt;
    offset_s = sign * (*offset_h * 3600 + *offset_m * 60);
  } else {
    take_char(text, 'Z');
  }
  if (!text.empty()) return std::nullopt;

  // std::chrono's civil calendar does the leap-year arithmetic and the validity check.
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  // Local time = UTC + offset, so UTC = local - offset.
  WallClock clock;
  clock.seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_s;
  clock.nanoseconds = nanoseconds;
  return clock;
}

double seconds_between(const WallClock& earlier, const WallClock& later) {
  return static_cast<double>(later.seconds - earlier.seconds) + static_cast<double>(later.nanoseconds - earlier.nanoseconds) * 1e-9;
}

}  // namespace lcperf::traces

#pragma once
// Wall-clock timestamps as written by Azure's LLM inference traces:
//   "2023-11-16 18:17:03.9799600"        (2023: 7 fractional digits, no zone)
//   "2024-05-10 00:00:00.009930+00:00"   (2024: varying digits, a UTC offset)
// Kept as whole seconds plus nanoseconds since the Unix epoch, because a double of
// epoch seconds resolves only about 0.2 us, and differences of nearby timestamps
// should be exact to the nanosecond.
#include <cstdint>
#include <optional>
#include <string_view>

namespace lcperf::traces {

struct WallClock {
  std::int64_t seconds = 0;      // since 1970-01-01 00:00:00 UTC
  std::int64_t nanoseconds = 0;  // [0, 1e9)
};

// "YYYY-MM-DD HH:MM:SS" ('T' also accepted as the separator), then optionally '.' and
// 1+ fractional digits (those past the ninth are truncated), then optionally "Z" or a
// "+HH:MM" / "-HH:MM" offset (no zone means UTC). Calendar-checked (no Feb 30, no hour
// 24, no leap second). nullopt when the text is not such a timestamp.
std::optional<WallClock> parse_wall_clock(std::string_view text);

// later - earlier in seconds.
double seconds_between(const WallClock& earlier, const WallClock& later);

}  // namespace lcperf::traces

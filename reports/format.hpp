#pragma once
// Human-readable quantities for tables and plots ("12.345 ms", "71.50 GiB", "38.20 %").
// Fixed precision and the C locale's printf, so reports are byte-for-byte reproducible.
#include <cstdint>
#include <string>

namespace lcperf::reports {

std::string format_duration(double seconds);        // picks s, ms or us
std::string format_bytes(double bytes);             // picks GiB, MiB, KiB or B
std::string gib_text(double bytes);                 // "12.34": GiB, two decimals, for columns headed "GiB"
std::string format_percent(double ratio);           // 0.3821 -> "38.21 %"
std::string format_tokens_per_s(double tokens_per_s);  // "123,457 tokens/s"
std::string format_count(std::uint64_t count);      // "1,234,567"
std::string format_flops(double flops);             // "1.23 PFLOP"
std::string format_number(double value);            // six significant digits
// Formats by unit name: "s", "bytes", "ratio", "tokens/s", "flops"; any other unit is
// appended to a plain number ("3 GB/s").
std::string format_quantity(double value, const std::string& unit);

// Printf into a std::string (our format strings are literals, checked by the compiler).
std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace lcperf::reports

#pragma once
// Units: lcperf keeps SI base units everywhere (seconds, bytes, FLOPs) and spells the
// unit in names (`_s`, `_bytes`, `_flops`, `_bytes_per_s`). These constants convert at
// the edges (scenario files, reports).
#include <cstdint>

namespace lcperf {

inline constexpr double kKiB = 1024.0;
inline constexpr double kMiB = 1024.0 * kKiB;
inline constexpr double kGiB = 1024.0 * kMiB;
inline constexpr double kKB = 1e3;
inline constexpr double kMB = 1e6;
inline constexpr double kGB = 1e9;
inline constexpr double kTB = 1e12;
inline constexpr double kTera = 1e12;
inline constexpr double kMicro = 1e-6;
inline constexpr double kNano = 1e-9;
inline constexpr double kGbit = 1e9 / 8.0;  // bytes per second of one Gbit/s

}  // namespace lcperf

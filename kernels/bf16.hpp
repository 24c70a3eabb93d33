#pragma once
// bf16 storage for CPU references: the upper 16 bits of an IEEE fp32. Conversion
// rounds to nearest, ties to even, so CPU-rounded inputs match what the GPU stores
// (__float2bfloat16 rounds the same way). Arithmetic is always done in fp32.
#include <cstdint>
#include <cstring>

namespace lcperf::kernels {

struct Bf16 {
  std::uint16_t bits = 0;
};

inline Bf16 to_bf16(float value) {
  std::uint32_t u = 0;
  std::memcpy(&u, &value, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0) {
    return Bf16{static_cast<std::uint16_t>((u >> 16) | 0x0040u)};  // keep NaN a (quiet) NaN
  }
  const std::uint32_t lsb = (u >> 16) & 1u;
  u += 0x7fffu + lsb;  // round to nearest even; overflow rounds up to inf as it should
  return Bf16{static_cast<std::uint16_t>(u >> 16)};
}

inline float to_float(Bf16 value) {
  const std::uint32_t u = static_cast<std::uint32_t>(value.bits) << 16;
  float f = 0;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// fp32 -> bf16 -> fp32: what a value looks like after bf16 storage.
inline float round_bf16(float value) { return to_float(to_bf16(value)); }

}  // namespace lcperf::kernels

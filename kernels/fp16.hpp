#pragma once
// IEEE binary16 storage for CPU references (Tiled-CSL values are fp16, as in
// Flash-LLM). Round to nearest even, subnormals kept, overflow to inf.
#include <cstdint>
#include <cstring>

namespace lcperf::kernels {

struct Fp16 {
  std::uint16_t bits = 0;
};

inline Fp16 to_fp16(float value) {
  std::uint32_t u = 0;
  std::memcpy(&u, &value, sizeof u);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN
    return Fp16{static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x0200u : 0u))};
  }
  if (abs >= 0x477ff000u) return Fp16{static_cast<std::uint16_t>(sign | 0x7c00u)};  // rounds past 65504
  if (abs < 0x38800000u) {
    // Subnormal half (or zero): value = mantissa * 2^-24; shift the full mantissa so
    // the bits below 2^-24 become the rounding remainder.
    if (abs < 0x33000000u) return Fp16{static_cast<std::uint16_t>(sign)};  // below half of 2^-24
    const std::uint32_t exponent = abs >> 23;
    const std::uint32_t mantissa = (abs & 0x007fffffu) | 0x00800000u;
    const std::uint32_t shift = 126u - exponent;  // 14..24
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return Fp16{static_cast<std::uint16_t>(sign | half)};
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits.
  std::uint32_t h = ((abs - 0x38000000u) >> 13);
  const std::uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is correct
  return Fp16{static_cast<std::uint16_t>(sign | h)};
}

inline float to_float(Fp16 value) {
  const std::uint32_t sign = static_cast<std::uint32_t>(value.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (value.bits >> 10) & 0x1fu;
  std::uint32_t mantissa = value.bits & 0x3ffu;
  std::uint32_t u = 0;
  if (exponent == 0x1fu) {
    u = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    u = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    u = sign;
  } else {
    // Subnormal half: normalise into an fp32 normal.
    std::uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    u = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float f = 0;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float round_fp16(float value) { return to_float(to_fp16(value)); }

}  // namespace lcperf::kernels

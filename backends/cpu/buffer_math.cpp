#include "backends/cpu/buffer_math.hpp"

#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/fp16.hpp"

namespace lcperf::backends::cpu {

namespace {

template <typename T>
T load(const std::byte* base, std::int64_t i) {
  T value;
  std::memcpy(&value, base + i * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
  return value;
}

template <typename T>
void store(std::byte* base, std::int64_t i, T value) {
  std::memcpy(base + i * static_cast<std::int64_t>(sizeof(T)), &value, sizeof(T));
}

// Accumulates in Acc, converting each element with to_acc and back with from_acc.
template <typename T, typename Acc, typename ToAcc, typename FromAcc>
void sum_as(const std::byte* const* in, int sources, std::byte* out, std::int64_t begin, std::int64_t end,
            ToAcc to_acc, FromAcc from_acc) {
  for (std::int64_t i = begin; i < end; ++i) {
    Acc acc = to_acc(load<T>(in[0], i));
    for (int s = 1; s < sources; ++s) acc = static_cast<Acc>(acc + to_acc(load<T>(in[s], i)));
    store<T>(out, i, from_acc(acc));
  }
}

}  // namespace

void sum_elements(core::DType dtype, const std::byte* const* in, int sources, std::byte* out, std::int64_t begin,
                  std::int64_t end) {
  if (sources <= 0 || begin >= end) return;
  const auto same = [](auto v) { return v; };
  switch (dtype) {
    case core::DType::fp32:
      sum_as<float, float>(in, sources, out, begin, end, same, same);
      return;
    case core::DType::bf16:
      sum_as<std::uint16_t, float>(
          in, sources, out, begin, end, [](std::uint16_t b) { return kernels::to_float(kernels::Bf16{b}); },
          [](float f) { return kernels::to_bf16(f).bits; });
      return;
    case core::DType::fp16:
      sum_as<std::uint16_t, float>(
          in, sources, out, begin, end, [](std::uint16_t b) { return kernels::to_float(kernels::Fp16{b}); },
          [](float f) { return kernels::to_fp16(f).bits; });
      return;
    case core::DType::fp8:
      sum_as<std::uint8_t, std::uint8_t>(in, sources, out, begin, end, same, same);
      return;
    case core::DType::int32:
      sum_as<std::int32_t, std::int64_t>(
          in, sources, out, begin, end, [](std::int32_t v) { return std::int64_t{v}; },
          [](std::int64_t v) { return static_cast<std::int32_t>(v); });
      return;
    case core::DType::int64:
      sum_as<std::int64_t, std::int64_t>(in, sources, out, begin, end, same, same);
      return;
  }
  throw std::logic_error("sum_elements: unknown dtype");
}

}  // namespace lcperf::backends::cpu

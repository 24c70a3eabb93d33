#include "kernels/storage_convert.hpp"

#include <cstring>

#include "kernels/bf16.hpp"
#include "kernels/fp16.hpp"

namespace lcperf::kernels {

std::vector<std::uint8_t> pack_storage(const std::vector<float>& values, Storage storage) {
  std::vector<std::uint8_t> bytes(values.size() * storage_bytes(storage));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (storage == Storage::fp32) {
      std::memcpy(bytes.data() + 4 * i, &values[i], 4);
    } else {
      const std::uint16_t bits = storage == Storage::bf16 ? to_bf16(values[i]).bits : to_fp16(values[i]).bits;
      std::memcpy(bytes.data() + 2 * i, &bits, 2);
    }
  }
  return bytes;
}

std::vector<float> unpack_storage(const std::vector<std::uint8_t>& bytes, Storage storage) {
  const std::size_t n = bytes.size() / storage_bytes(storage);
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (storage == Storage::fp32) {
      std::memcpy(&values[i], bytes.data() + 4 * i, 4);
    } else {
      std::uint16_t bits = 0;
      std::memcpy(&bits, bytes.data() + 2 * i, 2);
      values[i] = storage == Storage::bf16 ? to_float(Bf16{bits}) : to_float(Fp16{bits});
    }
  }
  return values;
}

std::vector<float> round_to_storage(const std::vector<float>& values, Storage storage) {
  return unpack_storage(pack_storage(values, storage), storage);
}

}  // namespace lcperf::kernels

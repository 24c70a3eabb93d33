#pragma once
// Host-side packing of fp32 values into a storage type's bytes and back, for copying
// inputs to and results from device kernels. bf16/fp16 round to nearest even.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/storage_type.hpp"

namespace lcperf::kernels {

std::vector<std::uint8_t> pack_storage(const std::vector<float>& values, Storage storage);
std::vector<float> unpack_storage(const std::vector<std::uint8_t>& bytes, Storage storage);

// values rounded through the storage type (what a kernel reading it sees).
std::vector<float> round_to_storage(const std::vector<float>& values, Storage storage);

}  // namespace lcperf::kernels

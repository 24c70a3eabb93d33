#include "core/tensor.hpp"

namespace lcperf::core {

std::int64_t TensorDesc::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

TensorDesc bytes_tensor(std::string name, std::int64_t bytes, MemoryTag tag) {
  TensorDesc desc;
  desc.name = std::move(name);
  desc.shape = {bytes};
  desc.dtype = DType::fp8;  // one byte per element keeps the byte count exact
  desc.tag = tag;
  return desc;
}

}  // namespace lcperf::core

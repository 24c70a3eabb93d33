#pragma once
// Tensors as the seam sees them: a handle with shape, dtype and memory tag. In the
// simulator a tensor is only its size (it feeds the memory tracker); live, it is a
// real buffer owned by the backend.
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "core/memory_tag.hpp"

namespace lcperf::core {

struct TensorDesc {
  std::string name;
  std::vector<std::int64_t> shape;
  DType dtype = DType::bf16;
  MemoryTag tag = MemoryTag::other;

  std::int64_t elements() const;
  std::int64_t bytes() const { return elements() * dtype_bytes(dtype); }
};

struct Tensor {
  std::uint64_t id = 0;  // 0 = no tensor
  TensorDesc desc;

  bool valid() const { return id != 0; }
  std::int64_t bytes() const { return desc.bytes(); }
};

// A flat byte buffer of the given tag, for code that only needs the accounting.
TensorDesc bytes_tensor(std::string name, std::int64_t bytes, MemoryTag tag);

}  // namespace lcperf::core

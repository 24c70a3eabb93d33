#pragma once
// Device memory and streams behind plain pointers, so host code (tests, the
// profiling harness, benchmarks) needs no CUDA headers. Streams are `void*`
// (a cudaStream_t; nullptr is the default stream). Failures throw std::runtime_error.
// Defined only in the CUDA build.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace lcperf::kernels::cuda {

void* device_alloc(std::size_t bytes);
void device_free(void* ptr);
void copy_to_device(void* dst, const void* src, std::size_t bytes);
void copy_to_host(void* dst, const void* src, std::size_t bytes);
// All bits set: NaN in fp32, bf16 and fp16, so a kernel that leaves an output
// element unwritten fails the comparison.
void fill_nan(void* ptr, std::size_t bytes);
void synchronize();
void* create_stream();
void destroy_stream(void* stream);

// Owning device buffer.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : ptr_(bytes ? device_alloc(bytes) : nullptr), bytes_(bytes) {}
  template <typename T>
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size() * sizeof(T)) {
    if (bytes_) copy_to_device(ptr_, host.data(), bytes_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr_) device_free(ptr_);
  }

  void* get() const { return ptr_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }
  std::size_t bytes() const { return bytes_; }
  void poison() { fill_nan(ptr_, bytes_); }
  template <typename T>
  std::vector<T> download() const {
    std::vector<T> host(bytes_ / sizeof(T));
    copy_to_host(host.data(), ptr_, host.size() * sizeof(T));
    return host;
  }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace lcperf::kernels::cuda

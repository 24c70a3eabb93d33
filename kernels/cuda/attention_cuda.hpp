#pragma once
// Attention on the GPU: storage bf16 / fp16 / fp32, fp32 softmax and accumulation,
// fp32 LSE. Same layouts, masks and empty-row convention as the CPU references
// (attention.hpp, paged_decode.hpp, vertical_slash.hpp, attention_merge.hpp); every
// index array is a device pointer. head_dim must be 64 or 128. Streams are `void*`
// (cudaStream_t). Defined only in the CUDA build.
//
// One kernel serves all three key sources: each block takes 16 query rows of one
// (sequence, head), streams its keys through shared memory 32 at a time, and keeps an
// online softmax per row (lanes over keys for scores, lanes over dims for P V). It
// runs on CUDA cores, not tensor cores: a correct, general baseline, not FA3.
#include <cstdint>

#include "kernels/attention.hpp"
#include "kernels/storage_type.hpp"

namespace lcperf::kernels::cuda {

struct DeviceVarlen {
  int batch = 0;
  const std::int32_t* cu_seqlens_q = nullptr;   // device, batch + 1
  const std::int32_t* cu_seqlens_kv = nullptr;  // device, batch + 1
  int max_q_len = 0;                             // host-known bound, sizes the grid
};

void attention_fwd_cuda(Storage storage, const AttentionDims& dims, const DeviceVarlen& seqs, const void* q,
                        const void* k, const void* v, void* out, float* lse, void* stream);

struct DevicePagedKv {
  const void* k_cache = nullptr;
  const void* v_cache = nullptr;
  int block_size = 16;
  const std::int32_t* block_table = nullptr;  // device
  int max_blocks_per_seq = 0;
  const std::int32_t* seq_lens = nullptr;     // device
};

void paged_decode_attention_cuda(Storage storage, const AttentionDims& dims, int batch, const void* q,
                                 const DevicePagedKv& kv, void* out, float* lse, void* stream);

// BlockSparseIndex arrays copied to the device as they are.
struct DeviceBlockSparseIndex {
  int q_blocks = 0;
  int max_blocks = 0;
  int max_columns = 0;
  const std::int32_t* block_count = nullptr;
  const std::int32_t* block_offset = nullptr;
  const std::int32_t* column_count = nullptr;
  const std::int32_t* column_index = nullptr;
};

void block_sparse_attention_cuda(Storage storage, const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len,
                                 const void* q, const void* k, const void* v, const DeviceBlockSparseIndex& index,
                                 void* out, float* lse, void* stream);

// Parts stacked: outs [parts][rows][head_dim] (storage), lses [parts][rows] (fp32).
void merge_attention_parts_cuda(Storage storage, int parts, std::int64_t rows, int head_dim, const void* outs,
                                const float* lses, void* out, float* lse, void* stream);

}  // namespace lcperf::kernels::cuda

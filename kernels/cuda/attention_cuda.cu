// The three key sources of attention_rows_kernel: packed varlen (bottom-right causal),
// paged KV cache (block table), and vertical-slash block-sparse (tiles, then columns).
#include "kernels/cuda/attention_cuda.hpp"
#include "kernels/cuda/attention_rows.cuh"

namespace lcperf::kernels::cuda {

namespace {

using detail::kRowsPerBlock;

struct VarlenKeys {
  const std::int32_t* cu_q;
  const std::int32_t* cu_kv;
  bool causal;
  long long q0 = 0, q_len = 0, k0 = 0, kv_len = 0;

  __device__ bool begin(int b, int, long long first_row) {
    q0 = cu_q[b];
    q_len = cu_q[b + 1] - q0;
    k0 = cu_kv[b];
    kv_len = cu_kv[b + 1] - k0;
    return first_row < q_len;
  }
  __device__ long long query_row(long long i) const { return q0 + i; }
  __device__ long long limit(long long i) const { return causal ? i + kv_len - q_len : LLONG_MAX; }
  __device__ int count(long long last_row) const {
    if (!causal) return static_cast<int>(kv_len);
    return static_cast<int>(max(0LL, min(kv_len, limit(last_row) + 1)));
  }
  __device__ void locate(int n, long long& row, long long& pos) const {
    row = k0 + n;
    pos = n;
  }
};

struct PagedKeys {
  const std::int32_t* table;
  const std::int32_t* seq_lens;
  int block_size, max_blocks;
  long long q_len = 1, b = 0, kv_len = 0;

  __device__ bool begin(int batch_index, int, long long first_row) {
    b = batch_index;
    kv_len = seq_lens[b];
    return first_row == 0;
  }
  __device__ long long query_row(long long) const { return b; }
  __device__ long long limit(long long) const { return LLONG_MAX; }
  __device__ int count(long long) const { return static_cast<int>(kv_len); }
  __device__ void locate(int n, long long& row, long long& pos) const {
    row = static_cast<long long>(table[b * max_blocks + n / block_size]) * block_size + n % block_size;
    pos = n;
  }
};

struct SparseKeys {
  DeviceBlockSparseIndex index;
  bool causal;
  long long q_len, kv_len;
  long long entry = 0;
  int tile_keys = 0;

  __device__ bool begin(int, int h, long long first_row) {
    if (first_row >= q_len) return false;
    entry = static_cast<long long>(h) * index.q_blocks + first_row / 64;
    tile_keys = 64 * index.block_count[entry];
    return true;
  }
  __device__ long long query_row(long long i) const { return i; }
  __device__ long long limit(long long i) const { return causal ? i + kv_len - q_len : LLONG_MAX; }
  __device__ int count(long long) const { return tile_keys + index.column_count[entry]; }
  __device__ void locate(int n, long long& row, long long& pos) const {
    long long key = 0;
    if (n < tile_keys) {
      key = index.block_offset[entry * index.max_blocks + n / 64] + n % 64;
    } else {
      key = index.column_index[entry * index.max_columns + (n - tile_keys)];
    }
    pos = key;
    row = key < kv_len ? key : -1;  // the last tile may overhang the keys
  }
};

unsigned blocks_for(long long rows) { return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock); }

template <typename T>
__global__ void merge_parts_kernel(int parts, long long rows, int head_dim, const T* outs, const float* lses, T* out,
                                   float* lse) {
  const long long idx = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * head_dim) return;
  const long long r = idx / head_dim;
  float top = -INFINITY;
  for (int p = 0; p < parts; ++p) top = fmaxf(top, lses[p * rows + r]);
  if (top == -INFINITY) {
    detail::store_f(out + idx, 0.0f);
    if (idx % head_dim == 0) lse[r] = -INFINITY;
    return;
  }
  float sum = 0.0f;
  for (int p = 0; p < parts; ++p) sum += expf(lses[p * rows + r] - top);
  const float merged = top + logf(sum);
  float acc = 0.0f;
  for (int p = 0; p < parts; ++p) {
    const float w = expf(lses[p * rows + r] - merged);
    if (w > 0.0f) acc += w * detail::load_f(outs + p * rows * head_dim + idx);  // an empty part is never read
  }
  detail::store_f(out + idx, acc);
  if (idx % head_dim == 0) lse[r] = merged;
}

}  // namespace

void attention_fwd_cuda(Storage storage, const AttentionDims& dims, const DeviceVarlen& seqs, const void* q,
                        const void* k, const void* v, void* out, float* lse, void* stream) {
  const VarlenKeys keys{seqs.cu_seqlens_q, seqs.cu_seqlens_kv, dims.causal};
  const dim3 grid(blocks_for(seqs.max_q_len), static_cast<unsigned>(dims.heads_q), static_cast<unsigned>(seqs.batch));
  detail::dispatch_storage(storage, [&](auto tag) {
    detail::launch_attention_rows<decltype(tag)>(dims.head_dim, grid, detail::as_stream(stream), q, k, v, out, lse,
                                                 dims.heads_q, dims.heads_kv, softmax_scale(dims), keys);
  });
}

void paged_decode_attention_cuda(Storage storage, const AttentionDims& dims, int batch, const void* q,
                                 const DevicePagedKv& kv, void* out, float* lse, void* stream) {
  const PagedKeys keys{kv.block_table, kv.seq_lens, kv.block_size, kv.max_blocks_per_seq};
  const dim3 grid(1, static_cast<unsigned>(dims.heads_q), static_cast<unsigned>(batch));
  detail::dispatch_storage(storage, [&](auto tag) {
    detail::launch_attention_rows<decltype(tag)>(dims.head_dim, grid, detail::as_stream(stream), q, kv.k_cache,
                                                 kv.v_cache, out, lse, dims.heads_q, dims.heads_kv, softmax_scale(dims),
                                                 keys);
  });
}

void block_sparse_attention_cuda(Storage storage, const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len,
                                 const void* q, const void* k, const void* v, const DeviceBlockSparseIndex& index,
                                 void* out, float* lse, void* stream) {
  const SparseKeys keys{index, dims.causal, q_len, kv_len};
  const dim3 grid(blocks_for(q_len), static_cast<unsigned>(dims.heads_q), 1);
  detail::dispatch_storage(storage, [&](auto tag) {
    detail::launch_attention_rows<decltype(tag)>(dims.head_dim, grid, detail::as_stream(stream), q, k, v, out, lse,
                                                 dims.heads_q, dims.heads_kv, softmax_scale(dims), keys);
  });
}

void merge_attention_parts_cuda(Storage storage, int parts, std::int64_t rows, int head_dim, const void* outs,
                                const float* lses, void* out, float* lse, void* stream) {
  const long long total = rows * head_dim;
  if (total == 0) return;
  const unsigned blocks = static_cast<unsigned>((total + 255) / 256);
  detail::dispatch_storage(storage, [&](auto tag) {
    using T = decltype(tag);
    merge_parts_kernel<T><<<blocks, 256, 0, detail::as_stream(stream)>>>(
        parts, rows, head_dim, static_cast<const T*>(outs), lses, static_cast<T*>(out), lse);
  });
  detail::check_launch("merge_parts_kernel");
}

}  // namespace lcperf::kernels::cuda

#include "schedulers/serving/block_manager.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {

namespace {

// Misuse by the engine is a bug, not bad input.
[[noreturn]] void misuse(const std::string& what, std::int64_t id) {
  throw std::logic_error("block manager: " + what + " (request " + std::to_string(id) + ")");
}

}  // namespace

void BlocksById::set(std::int64_t id, std::int64_t blocks) {
  std::vector<std::int64_t>& table = id >= 0 ? requests_ : entries_;
  const auto index = static_cast<std::size_t>(id >= 0 ? id : -1 - id);
  if (index >= table.size()) table.resize(index + 1, -1);
  table[index] = blocks;
}

void BlocksById::erase(std::int64_t id) {
  if (holds(id)) set(id, -1);
}

BlockManager::BlockManager(std::int64_t total_blocks, std::int64_t block_size_tokens, double watermark,
                           std::int64_t host_blocks)
    : total_(total_blocks), block_size_(block_size_tokens), host_total_(host_blocks) {
  if (total_blocks <= 0) throw core::InputError("KV cache: the budget holds no block");
  if (block_size_tokens <= 0) throw core::InputError("KV cache: block size must be > 0");
  if (!(watermark >= 0 && watermark < 1)) throw core::InputError("KV cache: watermark must be in [0, 1)");
  if (host_blocks < 0) throw core::InputError("KV cache: host blocks must be >= 0");
  watermark_blocks_ = static_cast<std::int64_t>(std::floor(watermark * static_cast<double>(total_blocks)));
}

std::int64_t BlockManager::blocks_for_tokens(std::int64_t tokens) const {
  return tokens <= 0 ? 0 : (tokens + block_size_ - 1) / block_size_;
}

std::int64_t BlockManager::blocks_of(std::int64_t id) const { return device_.blocks(id); }
std::int64_t BlockManager::host_blocks_of(std::int64_t id) const { return host_.blocks(id); }

bool BlockManager::ever_fits(std::int64_t tokens) const {
  return blocks_for_tokens(tokens) <= total_ - watermark_blocks_;
}

bool BlockManager::can_allocate(std::int64_t tokens) const {
  return free_blocks() - blocks_for_tokens(tokens) >= watermark_blocks_;
}

void BlockManager::take(std::int64_t blocks) {
  used_ += blocks;
  allocated_ += blocks;
  if (used_ > peak_used_) peak_used_ = used_;
}

std::int64_t BlockManager::allocate(std::int64_t id, std::int64_t tokens) {
  if (device_.holds(id) || host_.holds(id)) misuse("allocate for a request that holds blocks", id);
  const std::int64_t blocks = blocks_for_tokens(tokens);
  if (blocks > free_blocks()) misuse("allocate beyond the free blocks", id);
  take(blocks);
  device_.set(id, blocks);
  return blocks;
}

std::int64_t BlockManager::blocks_to_grow(std::int64_t id, std::int64_t tokens) const {
  const std::int64_t need = blocks_for_tokens(tokens) - blocks_of(id);
  return need > 0 ? need : 0;
}

bool BlockManager::can_append(std::int64_t id, std::int64_t tokens) const {
  return blocks_to_grow(id, tokens) <= free_blocks();
}

std::int64_t BlockManager::append(std::int64_t id, std::int64_t tokens) {
  if (!device_.holds(id)) misuse("append for a request without device blocks", id);
  const std::int64_t blocks = blocks_to_grow(id, tokens);
  if (blocks > free_blocks()) misuse("append beyond the free blocks", id);
  take(blocks);
  device_.set(id, device_.blocks(id) + blocks);
  return blocks;
}

std::int64_t BlockManager::free(std::int64_t id) {
  const std::int64_t blocks = blocks_of(id);
  device_.erase(id);
  used_ -= blocks;
  freed_ += blocks;
  return blocks;
}

bool BlockManager::can_swap_out(std::int64_t id) const {
  return device_.holds(id) && host_used_ + blocks_of(id) <= host_total_;
}

std::int64_t BlockManager::swap_out(std::int64_t id) {
  if (!can_swap_out(id)) misuse("swap out without host room or device blocks", id);
  const std::int64_t blocks = free(id);
  host_.set(id, blocks);
  host_used_ += blocks;
  host_allocated_ += blocks;
  return blocks;
}

bool BlockManager::can_swap_in(std::int64_t id, std::int64_t tokens) const {
  if (!host_.holds(id)) return false;
  const std::int64_t blocks = std::max(host_blocks_of(id), blocks_for_tokens(tokens));
  return free_blocks() - blocks >= watermark_blocks_;
}

std::int64_t BlockManager::swap_in(std::int64_t id) {
  if (!host_.holds(id) || device_.holds(id)) misuse("swap in of a request not swapped out", id);
  const std::int64_t blocks = host_blocks_of(id);
  if (blocks > free_blocks()) misuse("swap in beyond the free blocks", id);
  host_.erase(id);
  host_used_ -= blocks;
  host_freed_ += blocks;
  take(blocks);
  device_.set(id, blocks);
  return blocks;
}

}  // namespace lcperf::schedulers::serving

// The prefix cache's index and LRU; see prefix_cache.hpp.
#include "schedulers/serving/prefix_cache.hpp"

#include <stdexcept>

namespace lcperf::schedulers::serving {

std::size_t PrefixCache::match(const std::vector<std::uint64_t>& hashes, std::size_t limit) const {
  std::size_t n = 0;
  while (n < limit && n < hashes.size() && index_.count(hashes[n]) != 0) ++n;
  return n;
}

int PrefixCache::acquire(std::uint64_t hash) {
  const auto it = index_.find(hash);
  if (it == index_.end()) throw std::logic_error("prefix cache: acquire of a hash not cached");
  Entry& e = entries_[static_cast<std::size_t>(it->second)];
  if (e.in_lru) {
    lru_.erase(e.lru);
    e.in_lru = false;
  }
  ++e.holders;
  return it->second;
}

int PrefixCache::create(std::uint64_t hash) {
  int id = 0;
  if (free_ids_.empty()) {
    id = static_cast<int>(entries_.size());
    entries_.emplace_back();
  } else {
    id = free_ids_.back();
    free_ids_.pop_back();
  }
  Entry& e = entries_[static_cast<std::size_t>(id)];
  e = Entry{};
  e.hash = hash;
  e.holders = 1;
  return id;
}

void PrefixCache::computed(int id) {
  Entry& e = entries_.at(static_cast<std::size_t>(id));
  if (e.indexed) return;
  if (index_.emplace(e.hash, id).second) e.indexed = true;
}

bool PrefixCache::release(int id) {
  Entry& e = entries_.at(static_cast<std::size_t>(id));
  if (e.holders <= 0) throw std::logic_error("prefix cache: release of an entry nobody holds");
  if (--e.holders > 0) return false;
  if (!e.indexed) return true;
  e.lru = lru_.insert(lru_.end(), id);
  e.in_lru = true;
  return false;
}

std::optional<int> PrefixCache::evict() {
  if (lru_.empty()) return std::nullopt;
  const int id = lru_.front();
  lru_.pop_front();
  Entry& e = entries_[static_cast<std::size_t>(id)];
  e.in_lru = false;
  index_.erase(e.hash);
  e.indexed = false;
  return id;
}

void PrefixCache::retire(int id) {
  Entry& e = entries_.at(static_cast<std::size_t>(id));
  if (e.holders != 0 || e.indexed) throw std::logic_error("prefix cache: retire of an entry still in use");
  free_ids_.push_back(id);
}

}  // namespace lcperf::schedulers::serving

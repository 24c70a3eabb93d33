#pragma once
// A first-in first-out queue that keeps its storage (the stream and deferred queues of
// pointers to work slots, SimWorld::new_work). std::deque allocates a block and frees it
// again once drained: a malloc and a free per few ops on every stream. This one is a
// vector read from a moving head; it empties (keeping its capacity) whenever the head
// catches up, which streams do after nearly every op.
#include <cstddef>
#include <utility>
#include <vector>

namespace lcperf::sim {

template <class T>
class WorkQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }

  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  T& back() { return items_.back(); }
  const T& back() const { return items_.back(); }

  auto begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }

  void push_back(T item) {
    // A queue that never drains would otherwise grow without bound: drop the consumed
    // prefix once it is most of the storage.
    if (head_ > 0 && items_.size() == items_.capacity() && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    items_.push_back(std::move(item));
  }

  // Moves the first element out and removes it.
  T take_front() {
    T item = std::move(items_[head_]);
    if (++head_ == items_.size()) clear();
    return item;
  }

  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace lcperf::sim

#pragma once
// The native engine's pending events, in (date, insertion) order: earliest date first,
// and among equal dates the one inserted first.
//
// A simulation's events bunch on few dates (ranks in lockstep start and end work at the
// same instants: a 1,024-GPU pipeline has ~170 events per date), so the calendar keeps
// one FIFO bucket per distinct date and a heap of the dates alone. An insertion is a
// lookup of its date's bucket (and a heap push for a new date); taking the next event
// reads the front bucket. A heap of all events instead moved each one through a dozen
// levels of a heap too large for the L1 cache when it was taken.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

namespace lcperf::sim {

template <class Event>
class EventCalendar {
 public:
  bool empty() const { return dates_.empty(); }

  // Date of the next event; only when not empty.
  double next_date() const { return dates_.front(); }

  void push(double date, const Event& event) {
    auto [it, added] = bucket_of_date_.try_emplace(date, 0);
    if (added) {
      it->second = new_bucket();
      dates_.push_back(date);
      std::push_heap(dates_.begin(), dates_.end(), std::greater<>());
    }
    buckets_[it->second].events.push_back(event);
  }

  // Removes and returns the next event; only when not empty. Events pushed meanwhile
  // for the same date come after those already there.
  Event pop() {
    const double date = dates_.front();
    const auto it = bucket_of_date_.find(date);
    Bucket& bucket = buckets_[it->second];
    const Event event = bucket.events[bucket.head++];
    if (bucket.head == bucket.events.size()) {
      bucket.events.clear();  // keeps its capacity for the next date that uses it
      bucket.head = 0;
      free_buckets_.push_back(it->second);
      bucket_of_date_.erase(it);
      std::pop_heap(dates_.begin(), dates_.end(), std::greater<>());
      dates_.pop_back();
    }
    return event;
  }

 private:
  struct Bucket {
    std::vector<Event> events;
    std::size_t head = 0;  // events before it were taken
  };

  std::size_t new_bucket() {
    if (free_buckets_.empty()) {
      buckets_.emplace_back();
      return buckets_.size() - 1;
    }
    const std::size_t index = free_buckets_.back();
    free_buckets_.pop_back();
    return index;
  }

  std::vector<double> dates_;  // min-heap of the dates that have a bucket
  // std::hash<double> runs a general byte hash; two multiplies and shifts spread a
  // double's bits as well (both zeros hash alike, as they compare equal).
  struct DateHash {
    std::size_t operator()(double date) const noexcept {
      std::uint64_t bits = std::bit_cast<std::uint64_t>(date == 0 ? 0.0 : date);
      bits = (bits ^ (bits >> 30)) * 0xBF58476D1CE4E5B9ull;
      bits = (bits ^ (bits >> 27)) * 0x94D049BB133111EBull;
      return static_cast<std::size_t>(bits ^ (bits >> 31));
    }
  };
  std::unordered_map<double, std::size_t, DateHash> bucket_of_date_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> free_buckets_;
};

}  // namespace lcperf::sim

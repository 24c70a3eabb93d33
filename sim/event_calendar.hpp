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
#include <unordered_map>
#include <vector>

namespace lcperf::sim {

template <class Event>
class EventCalendar {
 public:
  bool empty() const { return dates_.empty(); }

  // Date of the next event; only when not empty.
  double next_date() const { return dates_.front().date; }

  void push(double date, const Event& event) {
    // Runs of pushes for one date (ranks in lockstep arming the same timer) skip the
    // lookup: the last date's bucket is remembered until it is emptied.
    if (last_bucket_ != kNone && date == last_date_) {
      buckets_[last_bucket_].events.push_back(event);
      return;
    }
    auto [it, added] = bucket_of_date_.try_emplace(date, 0);
    if (added) {
      it->second = new_bucket();
      dates_.push_back(Due{date, it->second});
      std::push_heap(dates_.begin(), dates_.end(), Later{});
    }
    last_date_ = date;
    last_bucket_ = it->second;
    buckets_[it->second].events.push_back(event);
  }

  // Removes and returns the next event; only when not empty. Events pushed meanwhile
  // for the same date come after those already there.
  Event pop() {
    const Due due = dates_.front();
    Bucket& bucket = buckets_[due.bucket];
    const Event event = bucket.events[bucket.head++];
    if (bucket.head == bucket.events.size()) {
      bucket.events.clear();  // keeps its capacity for the next date that uses it
      bucket.head = 0;
      free_buckets_.push_back(due.bucket);
      if (last_bucket_ == due.bucket) last_bucket_ = kNone;
      bucket_of_date_.erase(due.date);
      std::pop_heap(dates_.begin(), dates_.end(), Later{});
      dates_.pop_back();
    }
    return event;
  }

 private:
  // A date that has a bucket; dates are distinct, so the date alone orders them.
  struct Due {
    double date;
    std::size_t bucket;
  };
  struct Later {
    bool operator()(const Due& a, const Due& b) const { return a.date > b.date; }
  };
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

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  double last_date_ = 0;
  std::size_t last_bucket_ = kNone;  // the bucket of last_date_, while it has one
  std::vector<Due> dates_;  // min-heap of the dates that have a bucket
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

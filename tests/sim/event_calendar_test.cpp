// The native engine's event calendar gives events back in (date, insertion) order, the
// order a heap keyed by (date, sequence number) gives, also when events are pushed
// between pops for the date being drained or an earlier one.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "sim/event_calendar.hpp"

namespace lcperf::sim {
namespace {

// The reference: every pending (date, sequence) pair, smallest first.
using Reference = std::set<std::pair<double, std::uint64_t>>;

TEST(EventCalendar, EqualDatesComeOutInInsertionOrderAndDatesAscending) {
  EventCalendar<int> calendar;
  calendar.push(2.0, 1);
  calendar.push(1.0, 2);
  calendar.push(2.0, 3);
  calendar.push(1.0, 4);
  calendar.push(0.5, 5);
  std::vector<int> order;
  std::vector<double> dates;
  while (!calendar.empty()) {
    dates.push_back(calendar.next_date());
    order.push_back(calendar.pop());
  }
  EXPECT_EQ(order, (std::vector<int>{5, 2, 4, 1, 3}));
  EXPECT_EQ(dates, (std::vector<double>{0.5, 1.0, 1.0, 2.0, 2.0}));
}

TEST(EventCalendar, AnEventPushedForTheDateBeingDrainedComesAfterThoseAlreadyThere) {
  EventCalendar<int> calendar;
  calendar.push(1.0, 1);
  calendar.push(1.0, 2);
  calendar.push(3.0, 3);
  EXPECT_EQ(calendar.pop(), 1);
  calendar.push(1.0, 4);  // same date, pushed while it drains
  EXPECT_EQ(calendar.pop(), 2);
  EXPECT_EQ(calendar.pop(), 4);
  calendar.push(1.0, 5);  // its bucket was emptied: a new one for the same date
  EXPECT_EQ(calendar.next_date(), 1.0);
  EXPECT_EQ(calendar.pop(), 5);
  EXPECT_EQ(calendar.pop(), 3);
  EXPECT_TRUE(calendar.empty());
}

TEST(EventCalendar, NegativeAndPositiveZeroAreOneDate) {
  EventCalendar<int> calendar;
  calendar.push(0.0, 1);
  calendar.push(-0.0, 2);
  calendar.push(0.0, 3);
  EXPECT_EQ(calendar.pop(), 1);
  EXPECT_EQ(calendar.pop(), 2);
  EXPECT_EQ(calendar.pop(), 3);
  EXPECT_TRUE(calendar.empty());
}

TEST(EventCalendar, MatchesADateThenSequenceOrderingOnRandomPushesAndPops) {
  std::mt19937_64 rng(7);
  // Few distinct dates, as ranks in lockstep make, and now and then a pop.
  std::uniform_int_distribution<int> date_step(0, 40);
  std::uniform_int_distribution<int> action(0, 9);
  EventCalendar<std::uint64_t> calendar;
  Reference reference;
  std::uint64_t seq = 0;
  double now = 0;
  std::uint64_t popped = 0;
  for (int step = 0; step < 20000; ++step) {
    if (action(rng) < 6 || reference.empty()) {
      // Never earlier than the last date taken, as a simulation's events are.
      const double date = now + date_step(rng) * 0.25;
      calendar.push(date, seq);
      reference.emplace(date, seq);
      ++seq;
    } else {
      ASSERT_FALSE(calendar.empty());
      const auto expected = *reference.begin();
      reference.erase(reference.begin());
      ASSERT_EQ(calendar.next_date(), expected.first);
      ASSERT_EQ(calendar.pop(), expected.second) << "at pop " << popped;
      now = expected.first;
      ++popped;
    }
  }
  while (!reference.empty()) {
    ASSERT_EQ(calendar.pop(), reference.begin()->second);
    reference.erase(reference.begin());
  }
  EXPECT_TRUE(calendar.empty());
  EXPECT_GT(popped, 5000u);
}

}  // namespace
}  // namespace lcperf::sim

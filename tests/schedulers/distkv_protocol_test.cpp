// DistKV protocol cores step by step on a hand-driven network (LoopbackCluster):
// hand-computed borrowing order, refusals on stale heartbeats, the failure outcome,
// a creditor that stops answering, a slow creditor's late grant, debt-cycle swaps and
// reclaim byte counts, and the wire format.
#include <gtest/gtest.h>

#include <cmath>

#include "schedulers/serving/distkv/loopback_cluster.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

constexpr std::int64_t kBlockBytes = 1000;

DistKvConfig three_instances(std::int64_t host_blocks = 0) {
  DistKvConfig c;
  c.instances = 3;
  c.device_blocks = 10;
  c.host_blocks = host_blocks;
  c.lend_cap_blocks = 6;
  c.block_bytes = kBlockBytes;
  c.heartbeat_period_s = 0.01;
  c.reply_timeout_s = 0.005;
  c.exchange_timeout_s = 0.02;
  c.dead_after_s = 0.05;
  c.reclaim_period_s = 1e6;  // reclaim only when a test asks for it
  return c;
}

// Instance 1 keeps 4 free blocks (lendable 4), instance 2 keeps 8 (lendable 6, the cap);
// everyone's heartbeat has reached the gManager.
void creditors_reported(LoopbackCluster& c) {
  c.allocate(1, 100, 6);
  c.allocate(2, 200, 2);
  c.tick();
  c.deliver_all();
}

void expect_consistent(const LoopbackCluster& c, bool quiescent) {
  const std::vector<std::string> bad = c.audit(quiescent);
  EXPECT_TRUE(bad.empty()) << bad.front();
}

TEST(DistKvProtocol, OverflowBorrowsFromTheMostFreeCreditorFirst) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  EXPECT_EQ(c.gmanager().rank_creditors(0), (std::vector<int>{2, 1}));
  const std::int64_t bytes_before = c.message_bytes();

  c.allocate(0, 1, 18);  // 10 local, 8 to borrow: 6 from instance 2 (its cap), 2 from instance 1
  c.deliver_all();

  ASSERT_EQ(c.outcomes().size(), 3u);
  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.status, AllocationStatus::ok);
  EXPECT_EQ(o.local_blocks, 10);
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{2, 6}, {1, 2}}));
  const RBlockTable& table = c.instance(0).tables().at(1);
  ASSERT_EQ(table.blocks.size(), 18u);
  for (std::int64_t j = 0; j < 10; ++j) EXPECT_EQ(table.blocks[static_cast<std::size_t>(j)], (BlockRef{Tier::device, 0, j}));
  // First free slots of each creditor: instance 2 uses 0-1, instance 1 uses 0-5.
  for (std::int64_t j = 10; j < 16; ++j) {
    EXPECT_EQ(table.blocks[static_cast<std::size_t>(j)], (BlockRef{Tier::device, 2, j - 8}));
  }
  EXPECT_EQ(table.blocks[16], (BlockRef{Tier::device, 1, 6}));
  EXPECT_EQ(table.blocks[17], (BlockRef{Tier::device, 1, 7}));
  EXPECT_EQ(c.gmanager().ledger().owed(0, 2), 6);
  EXPECT_EQ(c.gmanager().ledger().owed(0, 1), 2);
  EXPECT_EQ(c.instance(2).lent_total(), 6);
  EXPECT_EQ(c.instance(2).lendable_blocks(), 0);
  // Wire bytes, 32-byte header + 8 per field: query 48, list of two 64, request 64 (x2),
  // grant of 6 slots 112, grant of 2 slots 80, debt change 48 (x2).
  EXPECT_EQ(c.message_bytes() - bytes_before, 48 + 64 + 64 + 112 + 48 + 64 + 80 + 48);
  expect_consistent(c, true);
}

TEST(DistKvProtocol, StaleHeartbeatRefusalFallsToTheNextCreditor) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  c.allocate(2, 201, 8);  // instance 2 fills up after its heartbeat: the gManager still sees 6 lendable
  c.allocate(0, 1, 14);
  c.deliver_all();

  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.status, AllocationStatus::ok);
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{1, 4}}));
  EXPECT_EQ(c.instance(2).counters().refusals_given, 1);
  // The refusal came with a fresh heartbeat, so the gManager no longer proposes instance 2;
  // instance 1's grant shows only at its next heartbeat, so it is still proposed.
  EXPECT_EQ(c.gmanager().view()[2].lendable_blocks, 0);
  EXPECT_EQ(c.gmanager().rank_creditors(0), (std::vector<int>{1}));
  expect_consistent(c, true);
}

TEST(DistKvProtocol, WhenEveryCreditorRefusesTheRequestIsPreemptedAndNothingLeaks) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  c.allocate(2, 201, 8);  // instance 2 full
  c.allocate(1, 101, 2);  // instance 1 can lend 2 of the 4 needed
  c.allocate(0, 1, 14);
  c.deliver_all();

  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.status, AllocationStatus::preempted);
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{1, 2}}));
  EXPECT_NE(o.reason.find("no host tier"), std::string::npos) << o.reason;
  EXPECT_FALSE(c.instance(0).holds(1));
  EXPECT_EQ(c.instance(0).device().free_count(), 10);
  EXPECT_EQ(c.instance(1).lent_total(), 0);  // the 2 granted blocks came back
  EXPECT_EQ(c.gmanager().ledger().total(), 0);
  expect_consistent(c, true);
}

TEST(DistKvProtocol, HostTierTakesWhatNoCreditorLends) {
  LoopbackCluster c(three_instances(/*host_blocks=*/8));
  creditors_reported(c);
  c.allocate(2, 201, 8);
  c.allocate(1, 101, 2);
  c.allocate(0, 1, 14);
  c.deliver_all();

  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.status, AllocationStatus::ok);
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{1, 2}}));
  EXPECT_EQ(o.host_blocks, 2);
  EXPECT_EQ(c.instance(0).tables().at(1).blocks.back(), (BlockRef{Tier::host, 0, 1}));
  expect_consistent(c, true);
}

TEST(DistKvProtocol, SilentCreditorCostsATimeoutThenTheNextOneLends) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  c.crash(2);
  c.allocate(0, 1, 14);
  c.deliver_all();  // the request to instance 2 is lost with it
  EXPECT_TRUE(c.instance(0).allocating(1));
  EXPECT_EQ(c.instance(0).next_deadline_s(), 0.005);

  c.advance_to(0.005);
  c.tick();
  c.deliver_all();
  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.status, AllocationStatus::ok);
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{1, 4}}));
  EXPECT_EQ(c.instance(0).counters().borrow_timeouts, 1);
  EXPECT_TRUE(c.gmanager().view()[2].suspected);

  // Silence past dead_after_s: declared dead, everyone told, the ledger forgets it.
  for (double t = 0.01; t <= 0.0601; t += 0.01) {
    c.advance_to(t);
    c.tick();
    c.deliver_all();
  }
  EXPECT_TRUE(c.gmanager().is_dead(2));
  EXPECT_FALSE(c.gmanager().is_dead(0));
  EXPECT_EQ(c.instance(1).known_dead(), (std::set<int>{2}));
  expect_consistent(c, true);
}

TEST(DistKvProtocol, RequestWithBlocksOnADeadCreditorIsReportedLost) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  c.allocate(0, 1, 14);  // 4 borrowed from instance 2
  c.deliver_all();
  ASSERT_EQ(c.outcomes().back().outcome.borrowed, (std::vector<std::pair<int, std::int64_t>>{{2, 4}}));
  c.crash(2);
  for (double t = 0.01; t <= 0.0601; t += 0.01) {
    c.advance_to(t);
    c.tick();
    c.deliver_all();
  }
  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.request, 1);
  EXPECT_EQ(o.status, AllocationStatus::preempted);
  EXPECT_NE(o.reason.find("dead instance 2"), std::string::npos) << o.reason;
  EXPECT_EQ(c.instance(0).device().free_count(), 10);
  expect_consistent(c, true);
}

TEST(DistKvProtocol, LateGrantFromASlowCreditorIsHandedBack) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);
  c.allocate(0, 1, 14);
  c.deliver(0);  // query
  c.deliver(0);  // list [2, 1]; the request to 2 now waits on the wire
  ASSERT_EQ(c.in_flight().size(), 1u);
  c.advance_to(0.005);
  c.tick();       // timeout: instance 0 asks instance 1
  c.deliver_all();  // 2's grant arrives late and goes back
  const AllocationOutcome& o = c.outcomes().back().outcome;
  EXPECT_EQ(o.borrowed, (std::vector<std::pair<int, std::int64_t>>{{1, 4}}));
  EXPECT_EQ(c.instance(0).counters().late_grants_returned, 4);
  EXPECT_EQ(c.instance(2).lent_total(), 0);
  EXPECT_TRUE(c.gmanager().view()[2].suspected);  // excluded from proposals until its next heartbeat
  expect_consistent(c, true);
}

DistKvConfig two_instances() {
  DistKvConfig c = three_instances();
  c.instances = 2;
  c.device_blocks = 8;
  c.lend_cap_blocks = 4;
  return c;
}

// Instance 0 hosts 2 of instance 1's blocks while instance 1 hosts 2 of instance 0's,
// and both are full: no free memory to pull anything home.
void build_debt_cycle(LoopbackCluster& c) {
  c.tick();
  c.deliver_all();
  c.allocate(0, 1, 8);  // a: instance 0 full
  c.allocate(0, 2, 2);  // c: borrows 2 from instance 1
  c.deliver_all();
  c.release(0, 1);
  c.advance_to(0.01);
  c.tick();
  c.deliver_all();
  c.allocate(1, 3, 8);  // b: 6 local, 2 from instance 0
  c.deliver_all();
  c.allocate(0, 4, 6);  // d: instance 0 full again
  c.deliver_all();
}

TEST(DistKvProtocol, DebtCycleIsResolvedBySwappingBlocksHome) {
  LoopbackCluster c(two_instances());
  build_debt_cycle(c);
  ASSERT_EQ(c.gmanager().ledger().mutual_debts(), (std::vector<std::pair<int, int>>{{0, 1}}));
  ASSERT_EQ(c.instance(0).device().free_count(), 0);
  ASSERT_EQ(c.instance(1).device().free_count(), 0);

  c.reclaim(0);
  c.deliver_all();

  for (int i = 0; i < 2; ++i) {
    for (const auto& [request, table] : c.instance(i).tables()) {
      for (const BlockRef& ref : table.blocks) EXPECT_EQ(ref.instance, i) << "request " << request;
    }
    EXPECT_EQ(c.instance(i).lent_total(), 0);
  }
  EXPECT_EQ(c.gmanager().ledger().total(), 0);
  EXPECT_EQ(c.instance(0).counters().swaps_committed, 1);
  // c's blocks took the slots that held b's (instance 0 slots 0 and 1), and vice versa.
  EXPECT_EQ(c.instance(0).tables().at(2).blocks, (std::vector<BlockRef>{{Tier::device, 0, 0}, {Tier::device, 0, 1}}));
  EXPECT_EQ(c.instance(1).tables().at(3).blocks[6], (BlockRef{Tier::device, 1, 0}));
  EXPECT_EQ(c.instance(1).tables().at(3).blocks[7], (BlockRef{Tier::device, 1, 1}));
  // 2 blocks each way, every byte sent is received.
  std::int64_t sent = 0;
  for (const auto& [key, bytes] : c.bytes_sent()) sent += bytes;
  EXPECT_EQ(sent, 4 * kBlockBytes);
  EXPECT_EQ(c.bytes_sent(), c.bytes_received());
  expect_consistent(c, true);
}

TEST(DistKvProtocol, FreedMemoryPullsBorrowedBlocksHome) {
  LoopbackCluster c(two_instances());
  c.tick();
  c.deliver_all();
  c.allocate(0, 1, 8);
  c.allocate(0, 2, 3);  // 3 blocks on instance 1
  c.deliver_all();
  c.release(0, 1);
  c.reclaim(0);
  c.deliver_all();
  EXPECT_EQ(c.instance(0).tables().at(2).blocks,
            (std::vector<BlockRef>{{Tier::device, 0, 0}, {Tier::device, 0, 1}, {Tier::device, 0, 2}}));
  EXPECT_EQ(c.instance(1).device().free_count(), 8);
  EXPECT_EQ(c.instance(0).counters().blocks_pulled_home, 3);
  std::int64_t received = 0;
  for (const auto& [key, bytes] : c.bytes_received()) received += bytes;
  EXPECT_EQ(received, 3 * kBlockBytes);
  EXPECT_EQ(c.gmanager().ledger().total(), 0);
  expect_consistent(c, true);
}

TEST(DistKvProtocol, ReleaseDuringAMoveWaitsForTheMoveToEnd) {
  LoopbackCluster c(two_instances());
  c.tick();
  c.deliver_all();
  c.allocate(0, 1, 8);
  c.allocate(0, 2, 3);
  c.deliver_all();
  c.release(0, 1);
  c.reclaim(0);
  c.release(0, 2);  // the proposal is on the wire: request 2's blocks are locked
  EXPECT_TRUE(c.instance(0).tables().at(2).release_pending);
  c.deliver_all();
  EXPECT_FALSE(c.instance(0).holds(2));
  EXPECT_EQ(c.instance(0).device().free_count(), 8);
  EXPECT_EQ(c.instance(1).device().free_count(), 8);
  expect_consistent(c, true);
}

// Parking: an instance with nothing in flight says so in a heartbeat and then has no
// deadline at all, and the gManager does not declare it dead however long it stays
// silent; an allocation wakes it, and its heartbeats resume on their grid.
TEST(DistKvProtocol, AnIdleInstanceParksAndIsNotDeclaredDeadByItsSilence) {
  LoopbackCluster c(three_instances());
  creditors_reported(c);  // instance 0 holds nothing: its heartbeat at 0 parks it
  EXPECT_TRUE(c.instance(0).parked());
  EXPECT_FALSE(c.instance(1).parked());  // holds request 100
  EXPECT_TRUE(std::isinf(c.instance(0).next_deadline_s()));
  c.advance_to(1e6);  // far past dead_after_s (0.05 s)
  c.tick();
  c.deliver_all();
  EXPECT_FALSE(c.gmanager().view()[0].dead);
  EXPECT_TRUE(c.gmanager().view()[1].dead);  // busy and silent: dead, as before
  c.allocate(0, 1, 2);
  EXPECT_FALSE(c.instance(0).parked());
  // The next heartbeat is the first point of its 0.01 s grid at or after 1e6 s.
  EXPECT_NEAR(c.instance(0).next_deadline_s(), 1e6, 0.01 + 1e-6);
  EXPECT_GE(c.instance(0).next_deadline_s(), 1e6);
}

TEST(DistKvWire, EveryMessageSurvivesEncodingAndIsSizedByItsFields) {
  const std::vector<Body> bodies = {
      Heartbeat{3, 10, 6, 1},
      CreditorQuery{7, 4},
      CreditorList{7, {2, 1}},
      BorrowRequest{7, 11, 10, 4},
      BorrowGrant{7, 11, 10, {5, 6, 9}},
      BorrowRefusal{7},
      ReturnBlocks{11, {5, 6}},
      DebtChange{0, -3},
      SuspectInstance{2},
      InstanceDead{2},
      ExchangePropose{9, {{1, 2, 3, 4}, {5, 6, 7, 8}}, {{9, 10, 4, 3}}},
      ExchangeReply{9, true, 2},
      ExchangeDecision{9, true},
  };
  const std::vector<std::int64_t> fields = {4, 2, 4, 4, 7, 1, 4, 2, 1, 1, 1 + 1 + 8 + 1 + 4, 3, 2};
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const core::Message m = encode(Packet{0, 1, bodies[i]});
    EXPECT_EQ(m.bytes, kHeaderBytes + 8 * fields[i]) << m.type;
    const Packet back = decode(m, 0, 1);
    EXPECT_EQ(back.body.index(), bodies[i].index());
    EXPECT_EQ(encode(back).payload, m.payload) << m.type;
  }
  core::Message broken = encode(Packet{0, 1, BorrowGrant{7, 11, 10, {5, 6, 9}}});
  broken.payload = "7 11 10 5 5";
  EXPECT_THROW(decode(broken, 0, 1), std::runtime_error);
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv

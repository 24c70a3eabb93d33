// The native engine against SimGrid's: the same rank programs on the same platform must
// give the same simulation. Each case runs once per engine, each run in its own process
// (SimGrid allows one engine per process), and compares the end time, the events
// counted, every timeline record (matched by rank, stream and order on the stream) and
// the memory peaks. The programs cover what the simulator does: pipeline p2p over NICs
// and node uplinks shared by several flows, kernels of several streams sharing a GPU,
// every collective kind over one and several nodes (NCCL channels, merged ring steps,
// software overhead), tensor-parallel and data-parallel folding, controller messages
// with timeouts, run-ahead, deadlocks, failing programs and the event budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "sim_test_support.hpp"
#include "tests/support/records_digest.hpp"

namespace lcperf::sim {
namespace {

using testing::input_for;
using testing::round_cluster;
using testing::text_from_child;

// A kernel of `seconds` (2mnk / 1e12) with lengths that have no short binary expansion.
core::KernelOp kernel(const std::string& name, int i, double scale = 1.0) {
  core::KernelOp op;
  op.name = name;
  op.category = "forward";
  op.parts.push_back(core::GemmShape{static_cast<std::int64_t>((12347 + 3331 * i) * scale), 1000, 1001, 1,
                                     core::DType::bf16});
  return op;
}

core::Tensor tensor(std::int64_t bytes, std::uint64_t id = 1) {
  return core::Tensor{id, core::bytes_tensor("t", bytes, core::MemoryTag::activations)};
}

struct Record {
  int rank = 0;
  int stream = 0;
  double start = 0;
  double end = 0;
  std::string name;
};

struct Digest {
  double end = -1;
  unsigned long long events = 0;
  int stopped = 0;
  std::vector<Record> records;
  std::vector<std::string> peaks;
};

Digest parse(const std::string& text) {
  Digest d;
  std::istringstream in(text);
  std::string kind;
  while (in >> kind) {
    if (kind == "end") {
      std::string word;
      in >> d.end >> word >> d.events >> word >> d.stopped;
    } else if (kind == "rec") {
      Record r;
      in >> r.rank >> r.stream >> r.start >> r.end;
      std::getline(in, r.name);
      d.records.push_back(r);
    } else {
      std::string rest;
      std::getline(in, rest);
      d.peaks.push_back(rest);
    }
  }
  // Records of one stream are in the order they ran on either engine; the order between
  // streams (same-time events) is the engine's own.
  std::stable_sort(d.records.begin(), d.records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.rank, a.stream) < std::tie(b.rank, b.stream);
  });
  return d;
}

std::string run_on(core::SimEngine engine, const std::function<SimulationInput()>& make) {
  return text_from_child([&] {
    SimulationInput in = make();
    in.engine = engine;
    try {
      return lcperf::testing::records_digest(simulate(in));
    } catch (const DeadlockError& e) {
      return std::string("deadlock ") + e.what();
    } catch (const std::exception& e) {
      return std::string("error ") + e.what();
    }
  });
}

// SimGrid processes events less than 1e-9 s apart together; both engines compute each
// date in doubles from the same rates, so they agree far below a nanosecond.
constexpr double kTolerance_s = 1e-9;

void expect_same_simulation(const std::function<SimulationInput()>& make) {
  const std::string reference = run_on(core::SimEngine::simgrid, make);
  const std::string native = run_on(core::SimEngine::native, make);
  ASSERT_FALSE(reference.empty()) << "the SimGrid run failed";
  ASSERT_FALSE(native.empty()) << "the native run failed";
  if (reference.rfind("end ", 0) != 0 || native.rfind("end ", 0) != 0) {
    EXPECT_EQ(native, reference);  // both must fail the same way
    return;
  }
  const Digest a = parse(reference);
  const Digest b = parse(native);
  EXPECT_NEAR(b.end, a.end, kTolerance_s);
  EXPECT_EQ(b.events, a.events);
  EXPECT_EQ(b.stopped, a.stopped);
  EXPECT_EQ(b.peaks, a.peaks);
  ASSERT_EQ(b.records.size(), a.records.size());
  int reported = 0;
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    const Record& x = a.records[i];
    const Record& y = b.records[i];
    const bool same = x.rank == y.rank && x.stream == y.stream && x.name == y.name &&
                      std::abs(x.start - y.start) <= kTolerance_s && std::abs(x.end - y.end) <= kTolerance_s;
    if (!same && reported++ < 5) {
      ADD_FAILURE() << "record " << i << ": SimGrid rank " << x.rank << " stream " << x.stream << x.name << " ["
                    << x.start << ", " << x.end << "], native rank " << y.rank << " stream " << y.stream << y.name
                    << " [" << y.start << ", " << y.end << "]";
    }
  }
}

// Two nodes of 4 GPUs; pipeline stage 0 on node 0, stage 1 on node 1, 4 replicas: every
// activation crosses a NIC and both node uplinks, which the 4 replicas' flows share;
// then each stage all-reduces over its replicas (NVLink ring) and each replica pair
// across stages over the fabric.
SimulationInput pipeline_with_rings() {
  core::ClusterSpec cluster = round_cluster(2, 4);
  cluster.oversubscription = 2;  // the uplink carries half of the node's NICs
  SimulationInput in = input_for(cluster, 8, nullptr);
  in.program_for = [](int rank) -> core::RankProgram {
    return [rank](core::Runtime& rt) {
      const int stage = rank / 4;
      const int replica = rank % 4;
      const core::Tensor act = tensor((8 + replica) << 20);
      for (int j = 0; j < 6; ++j) {
        if (stage == 1) rt.wait(rt.recv(act, replica, core::kRecvStream, j));
        rt.wait(rt.launch(kernel("fwd", j + replica), core::kComputeStream));
        if (stage == 0) rt.send(act, 4 + replica, core::kSendStream, j);
      }
      core::CommGroup stage_group{"stage" + std::to_string(stage), {stage * 4, stage * 4 + 1, stage * 4 + 2, stage * 4 + 3}};
      rt.wait(rt.collective(core::CollectiveKind::all_reduce, stage_group, tensor(64 << 20, 2), core::kCollectiveStream));
      core::CommGroup pair{"pair" + std::to_string(replica), {replica, 4 + replica}};
      rt.wait(rt.collective(core::CollectiveKind::all_reduce, pair, tensor(32 << 20, 3), core::kCollectiveStream));
      rt.synchronize();
    };
  };
  return in;
}

TEST(EngineEquivalence, PipelineP2pAndRingsOverSharedUplinks) { expect_same_simulation(pipeline_with_rings); }

// Kernels on two streams of one GPU at once share it; a transfer runs beside them.
TEST(EngineEquivalence, KernelsOfSeveralStreamsShareTheGpu) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(1, 2), 2, nullptr);
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        if (rank == 0) {
          std::vector<core::Completion> done;
          for (int j = 0; j < 5; ++j) {
            done.push_back(rt.launch(kernel("a", j), core::kComputeStream));
            done.push_back(rt.launch(kernel("b", 2 * j + 1, 0.5), core::kCollectiveStream));
            done.push_back(rt.send(tensor(3 << 20), 1, core::kSendStream, j));
          }
          for (core::Completion c : done) rt.wait(c);
        } else {
          for (int j = 0; j < 5; ++j) rt.wait(rt.recv(tensor(3 << 20), 0, core::kRecvStream, j));
        }
        rt.synchronize();
      };
    };
    return in;
  });
}

// Every collective kind over 8 members on 2 nodes (NCCL channels across the nodes), with
// a software overhead per call and long rings merged into 3 steps.
TEST(EngineEquivalence, EveryCollectiveKindWithOverheadAndMergedSteps) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(2, 4), 8, nullptr);
    in.ring_step_limit = 3;
    in.collective_overhead_s = [](core::CollectiveKind kind, std::int64_t bytes, int n) {
      return 5e-6 + 1e-6 * static_cast<int>(kind) + 1e-15 * static_cast<double>(bytes) + 1e-7 * n;
    };
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        const core::CommGroup all{"all", {0, 1, 2, 3, 4, 5, 6, 7}};
        const core::CommGroup half{"half", {rank % 2, rank % 2 + 2, rank % 2 + 4, rank % 2 + 6}};
        rt.wait(rt.launch(kernel("k", rank), core::kComputeStream));
        for (core::CollectiveKind kind :
             {core::CollectiveKind::all_reduce, core::CollectiveKind::all_gather, core::CollectiveKind::reduce_scatter,
              core::CollectiveKind::all_to_all, core::CollectiveKind::broadcast, core::CollectiveKind::reduce}) {
          rt.wait(rt.collective(kind, all, tensor(24 << 20, 5), core::kCollectiveStream));
          rt.wait(rt.collective(kind, half, tensor(10 << 20, 6), core::kCollectiveStream));
        }
        rt.synchronize();
      };
    };
    return in;
  });
}

// Tensor-parallel folding (one actor per pair of GPUs, links twice as wide) and
// data-parallel folding (node 1 mirrors node 0; the gradient all-reduce goes out to the
// mirror hosts and back).
TEST(EngineEquivalence, TensorAndDataParallelFolding) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(2, 4), 8, nullptr);
    in.fold = 2;
    in.image_of_rank = {0, 1, 2, 3, 0, 1, 2, 3};
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        const core::Tensor act = tensor(6 << 20);
        for (int j = 0; j < 4; ++j) {
          if (rank == 2) rt.wait(rt.recv(act, 0, core::kRecvStream, j));
          rt.wait(rt.launch(kernel("fwd", j), core::kComputeStream));
          if (rank == 0) rt.send(act, 2, core::kSendStream, j);
        }
        core::CommGroup dp{"dp" + std::to_string(rank), {rank, rank + 4}};
        rt.wait(rt.collective(core::CollectiveKind::all_reduce, dp, tensor(40 << 20, 2), core::kCollectiveStream));
        rt.synchronize();
      };
    };
    return in;
  });
}

// A controller and workers: messages with timeouts (some expire), sleeps, run-ahead of
// kernel chains, memory allocated and released.
TEST(EngineEquivalence, MessagesTimeoutsSleepsAndRunAhead) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(2, 2), 4, nullptr);
    in.run_ahead = true;
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        if (rank == 0) {
          int answers = 0;
          for (int w = 1; w < 4; ++w) {
            core::Message m;
            m.type = "work";
            m.bytes = 4096 * w;
            m.payload = std::to_string(w);
            rt.post_message(w, m);
          }
          while (answers < 3) {
            if (rt.receive_message(2e-4).has_value()) ++answers;
          }
          for (int w = 1; w < 4; ++w) {
            core::Message stop;
            stop.type = "stop";
            rt.post_message(w, stop);
          }
        } else {
          core::Tensor scratch = rt.allocate(core::bytes_tensor("scratch", (1 + rank) << 20, core::MemoryTag::workspace));
          std::optional<core::Message> m;
          while (!(m = rt.receive_message(1e-4)).has_value()) {
          }
          for (int j = 0; j < 3 * rank; ++j) rt.wait(rt.launch(kernel("step", j + rank), core::kComputeStream));
          rt.sleep_until(rt.now_s() + 3e-5 * rank);
          core::Message answer;
          answer.type = "done";
          answer.bytes = 1 << 20;
          rt.post_message(0, answer);
          rt.release(scratch);
          while (!rt.receive_message(-1).has_value()) {
          }
        }
      };
    };
    return in;
  });
}

// Both engines find the same deadlock (each rank receives from the other first) and
// name the same stuck ranks at the same time.
TEST(EngineEquivalence, DeadlocksAreReportedAlike) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(1, 2), 2, nullptr);
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        rt.wait(rt.launch(kernel("k", rank), core::kComputeStream));
        rt.wait(rt.recv(tensor(1 << 20), 1 - rank, core::kRecvStream, 0));
        rt.send(tensor(1 << 20), 1 - rank, core::kSendStream, 0);
      };
    };
    return in;
  });
}

// A program that throws stops the run on both engines with the same message.
TEST(EngineEquivalence, AFailingProgramStopsBothAlike) {
  expect_same_simulation([] {
    SimulationInput in = input_for(round_cluster(1, 4), 4, nullptr);
    in.program_for = [](int rank) -> core::RankProgram {
      return [rank](core::Runtime& rt) {
        rt.wait(rt.launch(kernel("k", rank), core::kComputeStream));
        if (rank == 2) throw std::runtime_error("rank two gives up");
        rt.wait(rt.recv(tensor(1 << 20), (rank + 1) % 4, core::kRecvStream, 0));
      };
    };
    return in;
  });
}

// The event budget stops both runs, partial.
TEST(EngineEquivalence, TheEventBudgetStopsBoth) {
  const auto make = [] {
    SimulationInput in = pipeline_with_rings();
    in.max_events = 40;
    return in;
  };
  const Digest a = parse(run_on(core::SimEngine::simgrid, make));
  const Digest b = parse(run_on(core::SimEngine::native, make));
  EXPECT_EQ(a.stopped, 1);
  EXPECT_EQ(b.stopped, 1);
  EXPECT_EQ(b.events, a.events);
}

}  // namespace
}  // namespace lcperf::sim

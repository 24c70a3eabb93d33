#pragma once
// Shared state of one simulation: platform, per-rank stream queues, completion flags,
// records. Internal to sim/. The engine (event_engine.hpp: SimGrid's or the native one)
// runs actors one at a time, so plain containers are safe; its wait points do the blocking.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/deadlock_report.hpp"
#include "core/records.hpp"
#include "core/runtime.hpp"
#include "core/memory_tracker.hpp"
#include "sim/event_engine.hpp"
#include "sim/platform_builder.hpp"
#include "sim/ring_channels.hpp"
#include "sim/simulator.hpp"
#include "sim/work_queue.hpp"

namespace lcperf::sim {

// The plain fields of a piece of stream work (StreamWork), reset in one assignment.
struct StreamWorkFields {
  using Kind = core::WorkKind;
  Kind kind = Kind::kernel;
  std::uint64_t completion = 0;
  int micro_batch = -1;
  double duration_s = 0;  // kernels: isolated time
  double flops = 0;
  double bytes = 0;       // as one rank sees it (timeline)
  double wire_bytes = 0;  // what crosses the simulated links (bytes x fold)
  int peer = -1;          // actor index of the peer
  int peer_rank = -1;     // the peer's rank, for messages
  int tag = 0;
  core::CollectiveKind collective = core::CollectiveKind::all_reduce;
};

// One queued piece of stream work, already priced.
struct StreamWork : StreamWorkFields {
  std::string name;
  std::string category;
  std::shared_ptr<const core::CommGroup> group;  // members as actor indices

  // As if newly made, keeping the strings' storage (a slot is reused for every op).
  void reset() {
    static_cast<StreamWorkFields&>(*this) = StreamWorkFields{};
    name.clear();
    category.clear();
    group.reset();
  }
};

// "send to rank 3 tag 5", "kernel 'fwd L0'", ... for deadlock reports.
std::string describe(const StreamWork& work);

struct StreamState {
  int rank = 0;
  int stream = 0;
  WorkQueue<StreamWork*> queue;  // slots of SimWorld::new_work()
  bool busy = false;
  bool waiting = false;  // the stream's actor waits for work (has_work needs a notification)
  // What the stream is doing now, for deadlock reports: the work slot it runs while busy
  // (described only when a report is written, not at every op).
  const StreamWork* current = nullptr;
  std::unique_ptr<WaitPoint> has_work;
};

struct RankState {
  // By stream id, ascending: a rank uses a handful of streams, looked up at every op,
  // which a short contiguous list answers faster than a tree.
  std::vector<std::pair<int, std::unique_ptr<StreamState>>> streams;
  StreamState* find_stream(int id) {
    for (auto& [sid, state] : streams) {
      if (sid == id) return state.get();
    }
    return nullptr;
  }
  std::unique_ptr<WaitPoint> progress;  // notified when the op the rank waits on completes
  bool finished = false;
  // What the rank program blocks on, for deadlock reports; kept as pointers and ids
  // (not text) because it changes at every op.
  bool running_inline = false;
  StreamWork::Kind inline_kind = StreamWork::Kind::kernel;
  int inline_peer_rank = -1;
  int inline_tag = 0;
  int inline_stream = 0;
  std::uint64_t waiting_completion = 0;
};

class SimWorld {
 public:
  SimWorld(const SimulationInput& input, Platform platform, EventEngine& engine);

  EventEngine& engine() { return engine_; }

  // Ranks are the program's view; actors are what is simulated. Without folding they
  // coincide; with fold f, actor a stands for ranks a*f .. a*f+f-1.
  const SimulationInput& input() const { return input_; }
  int ranks() const { return input_.ranks; }
  int fold() const { return fold_; }
  int actors() const { return input_.ranks / fold_; }
  int rank_of_actor(int actor) const { return actor * fold_; }
  // Index of the actor's GPU host in Platform::gpus (and its mirrors).
  std::size_t host_index(int actor) const {
    const int rank = rank_of_actor(actor);
    const int g = input_.gpu_of_rank.empty() ? rank : input_.gpu_of_rank[static_cast<std::size_t>(rank)];
    return static_cast<std::size_t>(g / fold_);
  }
  EngineHost gpu(int actor) const { return platform_.gpus[host_index(actor)]; }
  RankState& rank_state(int actor) { return ranks_[static_cast<std::size_t>(actor)]; }
  // The rank whose work `rank` repeats (SimulationInput::image_of_rank): itself unless
  // data-parallel folding mirrors it.
  int image_of(int rank) const {
    return input_.image_of_rank.empty() ? rank : input_.image_of_rank[static_cast<std::size_t>(rank)];
  }
  bool simulated(int actor) const { return image_of(rank_of_actor(actor)) == rank_of_actor(actor); }

  // Marks the rank program of `actor` as returned. Once every simulated one has, no work
  // can come any more: stream actors waiting for work return (instead of being killed
  // as daemons, which unwinds each with an exception; a thousand of those cost 4% of a
  // 1,024-GPU run on the native engine).
  void rank_finished(int actor);

  std::uint64_t new_completion();
  bool is_done(std::uint64_t completion) const { return completion == 0 || done_[completion] != 0; }
  void complete(int rank, std::uint64_t completion);

  // A piece of work lives in one slot from its launch until it is recorded, and the
  // queues (the rank's deferred chains, the streams') hold pointers to it. A StreamWork
  // is ~170 bytes with two strings: moved from queue to queue, it cost ~6% of the
  // instructions of a pipeline's simulation. A slot is handed out reset.
  StreamWork* new_work();
  // Gives the slot back once the work is recorded (its strings moved into the record).
  void release_work(StreamWork* work);

  // Queues work (a slot of new_work()) on (rank, stream), starting the stream's actor on
  // first use.
  void enqueue(int rank, int stream, StreamWork* work);
  // True when (rank, stream) has nothing queued or running: work launched there now
  // would start at once.
  bool stream_idle(int rank, int stream);
  // Runs one piece of work in the calling actor, records it and completes it. Stream
  // actors use it for queued work; a rank program uses it directly when it waits on
  // work it just launched on an idle stream (saving two context switches). With
  // `cpu_quiet` (see cpu_quiet()), a kernel is a SimGrid sleep instead of an execution.
  void run_work(int rank, int stream, StreamWork& work, bool cpu_quiet = false);
  // True when a kernel that the rank actor of `rank` runs itself on `stream` now is
  // the only CPU action its GPU host can hold until it ends: no other simulated rank on
  // the host, and every other stream of the rank idle or in a send or receive with
  // nothing queued behind it (transfers use links, not the host's CPU; kernels and
  // collectives, whose software overhead and merged-step latency are sleeps on the
  // host, do). The rank itself is blocked in the kernel, so nothing new starts there.
  bool cpu_quiet(int rank, int stream);
  // Records work that ran from start_s to end_s without SimGrid (a rank running ahead,
  // see SimulationInput::run_ahead) and completes it.
  void record_work(int rank, int stream, StreamWork& work, double start_s, double end_s);
  // True when no stream of `rank` other than `stream` has work queued or running.
  bool other_streams_idle(int rank, int stream);

  // P2P mailboxes have the receiving rank's actor as permanent receiver, so transfers
  // start eagerly (the seam's buffered-send rule). A send or receive acquires the
  // mailbox of its (src, dst, tag) before its transfer and releases it after; a mailbox
  // nobody holds and nothing waits in goes back to a pool of its receiver, so a tag
  // used once (every micro-batch's) costs no new mailbox (two simcalls) and no entry
  // kept for the rest of the run.
  Mailbox* acquire_p2p_mailbox(int src, int dst, int tag);
  void release_p2p_mailbox(int src, int dst, int tag);
  void set_rank_actor(int actor, ActorHandle a) { rank_actors_[static_cast<std::size_t>(actor)] = a; }
  // lane 0: the ring edge inside a node (or a plain ring's edge); lane 1: the edge to
  // the next node (ring_channels.hpp). Each lane of a member has one sender.
  Mailbox* collective_mailbox(const core::CommGroup& group, int member, int lane = 0);
  Mailbox* message_mailbox(int rank);

  core::MemoryTracker& memory() { return memory_; }
  // Moves records out, with memory peaks expanded to every rank of a folded group.
  core::RunRecords take_records();
  core::RunRecords& records() { return records_; }
  void count_events(std::uint64_t n) {
    records_.events_simulated += n;
    charge_budget(n);
  }
  // A timer wake-up of an actor (a sleep, a receive that timed out): no event of the
  // records, but work for the simulator, so it counts against the budget.
  void count_wakeup() { charge_budget(1); }
  // Why the run was stopped early ("" while it runs on).
  const std::string& stopped_reason() const { return stopped_reason_; }
  std::uint64_t next_tensor_id() { return ++tensor_ids_; }

 private:
  // Counts n events against SimulationInput::max_events and max_wall_s; past either,
  // stops the simulation: every other actor is killed and the calling one exits.
  void charge_budget(std::uint64_t n);
  void stream_loop(StreamState& stream);
  void execute(int rank, const StreamWork& work, bool cpu_quiet);
  void run_collective(int rank, const StreamWork& work);
  // A ring collective whose other members are mirrors of `rank` (data-parallel folding):
  // `rank` sends each step's flows to its own mirror hosts.
  void run_folded_collective(int rank, const StreamWork& work, int steps, double chunk);
  // The channel plan of a group's rings, built once per group (same on every member).
  const RingChannels& ring_channels(const core::CommGroup& group);
  MemberPlace place_of_actor(int actor) const;

  const SimulationInput& input_;
  EventEngine& engine_;
  int fold_;
  Platform platform_;
  std::vector<RankState> ranks_;
  std::vector<ActorHandle> rank_actors_;
  std::vector<char> sole_on_host_;  // by actor: no other simulated actor shares its GPU host
  // P2P mailboxes in use by (src, dst, tag), each with its receiver set: looked up by
  // integers instead of building and hashing its name at every send and receive. Kept
  // by receiving actor, where only the few transfers in flight towards it are held: a
  // scan of that short list costs less than hashing into one map of all of them.
  struct P2pMailbox {
    int src = 0;
    int tag = 0;
    Mailbox* box = nullptr;
    int users = 0;  // sends and receives between their acquire and release
  };
  P2pMailbox* find_p2p_mailbox(int src, int dst, int tag);
  std::vector<std::vector<P2pMailbox>> p2p_mailboxes_;  // by receiving actor
  // Idle p2p mailboxes by receiving actor (the receiver is set once, at creation).
  std::vector<std::vector<Mailbox*>> idle_p2p_mailboxes_;
  std::uint64_t p2p_mailboxes_created_ = 0;  // names new mailboxes uniquely
  std::map<std::string, RingChannels> ring_channels_;
  std::vector<char> done_;
  core::MemoryTracker memory_;
  core::RunRecords records_;
  std::deque<StreamWork> work_slots_;   // a deque: slots never move
  std::vector<StreamWork*> free_work_;  // slots given back, for reuse
  int running_ranks_ = 0;  // simulated rank programs not returned yet
  bool closing_ = false;   // every rank program has returned
  std::uint64_t tensor_ids_ = 0;
  std::uint64_t budget_used_ = 0;
  std::uint64_t next_wall_check_ = 0;
  double next_progress_s_ = 0;  // wall seconds since started_ of the next on_progress call
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string stopped_reason_;
};

}  // namespace lcperf::sim

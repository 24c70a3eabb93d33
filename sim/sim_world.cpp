#include "sim/sim_world.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <sys/mman.h>

#include "core/number_text.hpp"

namespace lcperf::sim {

namespace {

// Merged steps (SimulationInput::ring_step_limit): the same bytes in fewer flows, and
// the latency the merged steps would have paid, paid once up front (by the calling actor).
void merge_ring_steps(EventEngine& engine, int limit, const RingChannels& rings, int& steps, double& chunk) {
  if (limit <= 0 || steps <= limit) return;
  chunk *= static_cast<double>(steps) / limit;
  const double merged_latency_s = (steps - limit) * rings.max_edge_latency_s;
  if (merged_latency_s > 0) engine.sleep_for(merged_latency_s);
  steps = limit;
}

// Mailbox payloads must be non-null; transfers carry no real data in the simulator.
int g_payload_token = 0;
}  // namespace

std::string describe(const StreamWork& w) {
  return core::describe_work(w.kind, w.name, w.peer_rank, w.tag, w.collective, w.group.get());
}

SimWorld::SimWorld(const SimulationInput& input, Platform platform, EventEngine& engine)
    : input_(input),
      engine_(engine),
      fold_(std::max(1, input.fold)),
      platform_(std::move(platform)),
      ranks_(static_cast<std::size_t>(input.ranks / fold_)),
      rank_actors_(static_cast<std::size_t>(input.ranks / fold_)),
      sole_on_host_(static_cast<std::size_t>(input.ranks / fold_), 0),
      p2p_mailboxes_(static_cast<std::size_t>(input.ranks / fold_)),
      idle_p2p_mailboxes_(static_cast<std::size_t>(input.ranks / fold_)),
      done_(1, 1),
      memory_(input.ranks / fold_, input.memory_capacity_bytes > 0
                               ? input.memory_capacity_bytes
                               : static_cast<std::int64_t>(input.cluster.gpu.hbm_bytes)) {
  next_progress_s_ = input.progress_period_s;  // the first line after a period, not at the start
  // The timeline's final length is unknown, and growing it by doubling faults in about
  // twice its final size (every old buffer, then the copy). A large reservation is only
  // address space: the kernel maps a page when a record first lands on it, so a short
  // run pays nothing for it and a long one faults each page of records once.
  constexpr std::int64_t kTimelineReserve = std::int64_t{1} << 20;
  records_.timeline.reserve(static_cast<std::size_t>(
      input.timeline_limit > 0 ? std::min(input.timeline_limit, kTimelineReserve) : kTimelineReserve));
#ifdef MADV_HUGEPAGE
  // Transparent huge pages where the system grants them on request: one fault per 2 MiB
  // of records instead of one per 4 KiB. Faults were a fifth of the CPU time of the
  // 1,024-GPU synthetic case on the native engine; with the request it runs 1.09x as
  // many activities per CPU second (median of 16 paired runs).
  const auto begin = reinterpret_cast<std::uintptr_t>(records_.timeline.data());
  const auto end = begin + records_.timeline.capacity() * sizeof(core::TimelineRecord);
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  if (end > first + kHugePage) madvise(reinterpret_cast<void*>(first), (end - first) & ~(kHugePage - 1), MADV_HUGEPAGE);
#endif
  for (RankState& r : ranks_) r.progress = engine_.new_wait_point();
  std::map<std::size_t, int> actors_on_host;
  for (int a = 0; a < actors(); ++a) {
    if (!simulated(a)) continue;
    ++actors_on_host[host_index(a)];
    ++running_ranks_;
  }
  for (int a = 0; a < actors(); ++a) sole_on_host_[static_cast<std::size_t>(a)] = actors_on_host[host_index(a)] == 1;
  records_.node_of_rank.resize(static_cast<std::size_t>(input.ranks));
  for (int r = 0; r < input.ranks; ++r) {
    const int g = input.gpu_of_rank.empty() ? r : input.gpu_of_rank[static_cast<std::size_t>(r)];
    records_.node_of_rank[static_cast<std::size_t>(r)] = input.cluster.node_of(g);
  }
}

void SimWorld::charge_budget(std::uint64_t n) {
  budget_used_ += n;
  const SimulationInput& in = input_;
  if (in.max_events > 0 && budget_used_ > in.max_events) {
    stopped_reason_ = "the simulation budget of " + std::to_string(in.max_events) +
                      " events (sim.max_events) was used up at simulated time " + core::number_text(engine_.clock()) +
                      " s";
  } else if ((in.max_wall_s > 0 || in.on_progress) && budget_used_ >= next_wall_check_) {
    // Reading the clock costs more than an event: look every 4096 events.
    next_wall_check_ = budget_used_ + 4096;
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (in.on_progress && wall_s >= next_progress_s_) {
      next_progress_s_ = wall_s + in.progress_period_s;
      in.on_progress(engine_.clock());
    }
    if (in.max_wall_s > 0 && wall_s > in.max_wall_s) {
      stopped_reason_ = "the simulation budget of " + core::number_text(in.max_wall_s) +
                        " s of wall time (sim.max_wall_s or --timeout) was used up at simulated time " +
                        core::number_text(engine_.clock()) + " s, after " + std::to_string(budget_used_) + " events";
    }
  }
  if (stopped_reason_.empty()) return;
  engine_.kill_all();
  engine_.exit_actor();
}

std::uint64_t SimWorld::new_completion() {
  done_.push_back(0);
  return done_.size() - 1;
}

void SimWorld::complete(int rank, std::uint64_t completion) {
  done_[completion] = 1;
  // A notification is a simcall (two context switches): only the rank waiting on this
  // very completion needs one.
  RankState& r = ranks_[static_cast<std::size_t>(rank)];
  if (r.waiting_completion == completion) r.progress->notify_all();
}

StreamWork* SimWorld::new_work() {
  if (free_work_.empty()) return &work_slots_.emplace_back();
  StreamWork* work = free_work_.back();
  free_work_.pop_back();
  work->reset();
  return work;
}

void SimWorld::release_work(StreamWork* work) { free_work_.push_back(work); }

void SimWorld::enqueue(int rank, int stream, StreamWork* work) {
  RankState& r = rank_state(rank);
  StreamState* s = r.find_stream(stream);
  if (s == nullptr) {
    auto state = std::make_unique<StreamState>();
    state->rank = rank;
    state->stream = stream;
    state->has_work = engine_.new_wait_point();
    s = state.get();
    const auto at = std::find_if(r.streams.begin(), r.streams.end(), [stream](const auto& e) { return e.first > stream; });
    r.streams.emplace(at, stream, std::move(state));
    // Stream actors are daemons: they end when every rank program has returned.
    engine_.daemonize(engine_.spawn("rank" + std::to_string(rank) + "-stream" + std::to_string(stream), gpu(rank),
                                    [this, s] { stream_loop(*s); }));
  }
  s->queue.push_back(work);
  if (s->waiting) s->has_work->notify_all();
}

bool SimWorld::stream_idle(int rank, int stream) {
  const StreamState* s = rank_state(rank).find_stream(stream);
  return s == nullptr || (!s->busy && s->queue.empty());
}

void SimWorld::rank_finished(int actor) {
  rank_state(actor).finished = true;
  if (--running_ranks_ > 0) return;
  closing_ = true;
  for (RankState& r : ranks_) {
    for (auto& [id, s] : r.streams) {
      if (s->waiting) s->has_work->notify_all();
    }
  }
}

void SimWorld::stream_loop(StreamState& stream) {
  // Only this actor takes the wait point's lock, and actors never run at the same time,
  // so it is held throughout: unlocking around each piece of work cost two simcalls per
  // op and protected nothing.
  stream.has_work->hold();
  try {
    for (;;) {
      while (stream.queue.empty()) {
        if (closing_) {
          stream.has_work->abandon();  // it returns holding the lock, as a killed one does
          return;
        }
        stream.waiting = true;
        stream.has_work->wait();
        stream.waiting = false;
      }
      StreamWork* work = stream.queue.take_front();
      stream.busy = true;
      stream.current = work;
      run_work(stream.rank, stream.stream, *work);
      stream.busy = false;
      stream.current = nullptr;
      release_work(work);
    }
  } catch (...) {
    stream.has_work->abandon();  // no engine call while the engine unwinds a killed actor
    throw;
  }
}

bool SimWorld::other_streams_idle(int rank, int stream) {
  for (const auto& [id, state] : rank_state(rank).streams) {
    if (id != stream && (state->busy || !state->queue.empty())) return false;
  }
  return true;
}

bool SimWorld::cpu_quiet(int rank, int stream) {
  if (!sole_on_host_[static_cast<std::size_t>(rank)]) return false;
  for (const auto& [id, state] : rank_state(rank).streams) {
    if (id == stream) continue;
    if (!state->queue.empty()) return false;
    if (state->busy && (state->current == nullptr || (state->current->kind != StreamWork::Kind::send &&
                                                      state->current->kind != StreamWork::Kind::recv))) {
      return false;
    }
  }
  return true;
}

void SimWorld::run_work(int rank, int stream, StreamWork& work, bool cpu_quiet) {
  const double start = engine_.clock();
  execute(rank, work, cpu_quiet);
  record_work(rank, stream, work, start, engine_.clock());
}

void SimWorld::record_work(int rank, int stream, StreamWork& work, double start_s, double end_s) {
  if (input_.timeline_limit > 0 && records_.timeline.size() >= static_cast<std::size_t>(input_.timeline_limit)) {
    if (records_.timeline_dropped++ == 0) memory_.stop_recording_events();
    complete(rank, work.completion);
    return;
  }
  // Filled in place: a record moved into the timeline would move its two strings twice.
  core::TimelineRecord& rec = records_.timeline.emplace_back();
  rec.rank = rank_of_actor(rank);
  rec.stream = stream;
  rec.name = std::move(work.name);
  rec.category = std::move(work.category);
  rec.start_s = start_s;
  rec.end_s = end_s;
  rec.flops = work.flops;
  rec.bytes = work.bytes;
  rec.micro_batch = work.micro_batch;
  complete(rank, work.completion);
}

void SimWorld::execute(int rank, const StreamWork& work, bool cpu_quiet) {
  switch (work.kind) {
    case StreamWork::Kind::kernel:
      if (work.duration_s > 0) {
        const double flops = work.duration_s * kGpuHostSpeed;
        // Alone on its host, SimGrid's (lazy, CAS01) CPU model ends an execution at
        // start + flops / speed, computed once when it starts, and a sleep at start +
        // duration: a sleep of exactly flops / speed ends at the same double, in one
        // simcall instead of the execution's several (create, set host and amount,
        // start, wait). Another CPU action starting or ending on the host meanwhile
        // would make SimGrid recompute the execution's end (rounding differently), hence
        // cpu_quiet. Under 1 us the sleep is not used: SimGrid lengthens sleeps shorter
        // than its timing precision (1e-9 s).
        const double alone_s = flops / kGpuHostSpeed;
        if (cpu_quiet && alone_s >= 1e-6) {
          engine_.sleep_for(alone_s);
        } else {
          engine_.execute(flops);
        }
        count_events(1);
      }
      return;
    case StreamWork::Kind::send:
      acquire_p2p_mailbox(rank, work.peer, work.tag)->put(&g_payload_token, static_cast<std::uint64_t>(work.wire_bytes));
      release_p2p_mailbox(rank, work.peer, work.tag);
      count_events(1);
      return;
    case StreamWork::Kind::recv:
      acquire_p2p_mailbox(work.peer, rank, work.tag)->get();
      release_p2p_mailbox(work.peer, rank, work.tag);
      return;
    case StreamWork::Kind::collective:
      run_collective(rank, work);
      return;
  }
}

void SimWorld::run_collective(int rank, const StreamWork& work) {
  const core::CommGroup& group = *work.group;
  const int n = static_cast<int>(group.ranks.size());
  if (n <= 1) return;
  const auto me_it = std::find(group.ranks.begin(), group.ranks.end(), rank);
  const int me = static_cast<int>(me_it - group.ranks.begin());
  if (input_.collective_overhead_s && !input_.free_communication) {
    const double overhead = input_.collective_overhead_s(work.collective, static_cast<std::int64_t>(work.bytes), n);
    if (overhead > 0) engine_.sleep_for(overhead);
  }
  // Ring algorithms as NCCL runs them: every step each member sends one chunk to a
  // peer and receives one, so every link of the ring carries the same traffic and
  // SimGrid shares it with whatever else crosses those links.
  int steps = n - 1;
  double chunk = work.wire_bytes / n;
  switch (work.collective) {
    case core::CollectiveKind::all_reduce: steps = 2 * (n - 1); break;
    case core::CollectiveKind::all_gather:
    case core::CollectiveKind::reduce_scatter:
    case core::CollectiveKind::all_to_all: break;
    case core::CollectiveKind::broadcast:
    case core::CollectiveKind::reduce:
      // Pipelined chain: each link carries the whole buffer once.
      steps = 1;
      chunk = work.wire_bytes;
      break;
  }
  if (std::any_of(group.ranks.begin(), group.ranks.end(), [this](int actor) { return !simulated(actor); })) {
    run_folded_collective(rank, work, steps, chunk);
    return;
  }
  Mailbox* inbox = collective_mailbox(group, rank);
  if (work.collective == core::CollectiveKind::all_to_all) {
    for (int step = 0; step < steps; ++step) {
      const int to = group.ranks[static_cast<std::size_t>((me + step + 1) % n)];
      TransferPtr out = collective_mailbox(group, to)->put_async(&g_payload_token, static_cast<std::uint64_t>(chunk));
      inbox->get();
      out->wait();
      count_events(1);
    }
    return;
  }
  // Rings over several nodes run as NCCL's channels do (ring_channels.hpp): each member
  // sends to its successor on its node and, for the channels that leave the node
  // through it, to its successor on the next node.
  const RingChannels& rings = ring_channels(group);
  const RingMember& plan = rings.members[static_cast<std::size_t>(me)];
  const auto member = [&group](int position) { return group.ranks[static_cast<std::size_t>(position)]; };
  Mailbox* cross_inbox = collective_mailbox(group, rank, 1);
  // Every step sends to the same successors: their mailboxes are looked up once (each
  // lookup is a simcall).
  Mailbox* on_node_outbox = plan.on_node_share > 0 ? collective_mailbox(group, member(plan.on_node_next)) : nullptr;
  Mailbox* cross_outbox = plan.cross_share > 0 ? collective_mailbox(group, member(plan.cross_next), 1) : nullptr;
  merge_ring_steps(engine_, input_.ring_step_limit, rings, steps, chunk);
  for (int step = 0; step < steps; ++step) {
    TransferPtr on_node;
    TransferPtr cross;
    if (on_node_outbox != nullptr) {
      on_node = on_node_outbox->put_async(&g_payload_token, static_cast<std::uint64_t>(chunk * plan.on_node_share));
    }
    if (cross_outbox != nullptr) {
      cross = cross_outbox->put_async(&g_payload_token, static_cast<std::uint64_t>(chunk * plan.cross_share));
    }
    // Both receives are posted before either is waited on: a mailbox transfer starts
    // only once its receive is posted, and the two flows run concurrently.
    TransferPtr from_node = plan.on_node_prev_share > 0 ? inbox->get_async() : nullptr;
    TransferPtr from_cross = plan.cross_prev_share > 0 ? cross_inbox->get_async() : nullptr;
    for (Transfer* transfer : {on_node.get(), cross.get(), from_node.get(), from_cross.get()}) {
      if (transfer != nullptr) transfer->wait();
    }
    count_events(1);
  }
}

void SimWorld::run_folded_collective(int rank, const StreamWork& work, int steps, double chunk) {
  const core::CommGroup& group = *work.group;
  const auto others_simulated = std::count_if(group.ranks.begin(), group.ranks.end(),
                                              [this, rank](int actor) { return actor != rank && simulated(actor); });
  const RingChannels& rings = ring_channels(group);
  if (others_simulated > 0 || work.collective == core::CollectiveKind::all_to_all || !rings.uniform) {
    throw std::logic_error(describe(work) + " on rank " + std::to_string(rank_of_actor(rank)) +
                           ": a collective with mirrored members (data-parallel folding) needs exactly one simulated "
                           "member and a ring whose members all send the same shares");
  }
  const RingMember& plan = rings.members[static_cast<std::size_t>(
      std::find(group.ranks.begin(), group.ranks.end(), rank) - group.ranks.begin())];
  EngineHost self = gpu(rank);
  const std::size_t host = host_index(rank);
  EngineHost ring_edge = rings.on_node_edge_leaves_node ? platform_.fabric_mirrors[host] : platform_.node_mirrors[host];
  EngineHost cross_edge = platform_.fabric_mirrors[host];
  merge_ring_steps(engine_, input_.ring_step_limit, rings, steps, chunk);
  // Each step: the member's flows to its successors, sent over the links that by
  // symmetry carry them (its own ends of the edges); what it receives is the mirror
  // image of what it sends, so the step ends when its own flows end.
  for (int step = 0; step < steps; ++step) {
    TransferPtr on_node;
    TransferPtr cross;
    if (plan.on_node_share > 0) {
      on_node = engine_.send_async(self, ring_edge, static_cast<std::uint64_t>(chunk * plan.on_node_share));
    }
    if (plan.cross_share > 0) {
      cross = engine_.send_async(self, cross_edge, static_cast<std::uint64_t>(chunk * plan.cross_share));
    }
    if (on_node) on_node->wait();
    if (cross) cross->wait();
    count_events(1);
  }
}

MemberPlace SimWorld::place_of_actor(int actor) const {
  const int rank = rank_of_actor(actor);
  const int g = input_.gpu_of_rank.empty() ? rank : input_.gpu_of_rank[static_cast<std::size_t>(rank)];
  const core::ClusterSpec& c = input_.cluster;
  return {c.node_of(g), nic_link_of_host(c, fold_, (g % c.gpus_per_node) / fold_)};
}

const RingChannels& SimWorld::ring_channels(const core::CommGroup& group) {
  std::string key = group.name;
  key.append(":").append(std::to_string(group.ranks.front())).append(":").append(std::to_string(group.ranks.size()));
  auto it = ring_channels_.find(key);
  if (it != ring_channels_.end()) return it->second;
  std::vector<MemberPlace> places;
  places.reserve(group.ranks.size());
  for (int actor : group.ranks) places.push_back(place_of_actor(actor));
  RingChannels plan = plan_ring_channels(places);
  // The slowest edge's latency, for merged steps (run_collective).
  HostRoute route;
  const auto latency_between = [this, &group, &route](int from, int to) {
    platform_.network->route(gpu(group.ranks[static_cast<std::size_t>(from)]), gpu(group.ranks[static_cast<std::size_t>(to)]),
                             route);
    return route.latency;
  };
  for (std::size_t i = 0; i < plan.members.size(); ++i) {
    const RingMember& m = plan.members[i];
    const int self = static_cast<int>(i);
    if (m.on_node_share > 0 && m.on_node_next != self) {
      plan.max_edge_latency_s = std::max(plan.max_edge_latency_s, latency_between(self, m.on_node_next));
    }
    if (m.cross_share > 0) plan.max_edge_latency_s = std::max(plan.max_edge_latency_s, latency_between(self, m.cross_next));
  }
  // Uniform rings (data-parallel folding): the same shares everywhere, and every ring
  // edge on one node or every one across nodes.
  const auto leaves = [&places](int from, int to) {
    return places[static_cast<std::size_t>(from)].node != places[static_cast<std::size_t>(to)].node;
  };
  const RingMember& first = plan.members.front();
  plan.on_node_edge_leaves_node = first.on_node_share > 0 && leaves(0, first.on_node_next);
  plan.uniform = std::all_of(plan.members.begin(), plan.members.end(), [&](const RingMember& m) {
    const int self = static_cast<int>(&m - plan.members.data());
    return m.on_node_share == first.on_node_share && m.cross_share == first.cross_share &&
           m.on_node_prev_share == m.on_node_share && m.cross_prev_share == m.cross_share &&
           (m.on_node_share == 0 || leaves(self, m.on_node_next) == plan.on_node_edge_leaves_node);
  });
  return ring_channels_.emplace(std::move(key), std::move(plan)).first->second;
}

SimWorld::P2pMailbox* SimWorld::find_p2p_mailbox(int src, int dst, int tag) {
  for (P2pMailbox& m : p2p_mailboxes_[static_cast<std::size_t>(dst)]) {
    if (m.src == src && m.tag == tag) return &m;
  }
  return nullptr;
}

Mailbox* SimWorld::acquire_p2p_mailbox(int src, int dst, int tag) {
  if (P2pMailbox* held = find_p2p_mailbox(src, dst, tag)) {
    ++held->users;
    return held->box;
  }
  std::vector<Mailbox*>& idle = idle_p2p_mailboxes_[static_cast<std::size_t>(dst)];
  Mailbox* box = nullptr;
  if (!idle.empty()) {
    box = idle.back();
    idle.pop_back();
  } else {
    // Names are built by appending (GCC 12 warns falsely on `"literal" + std::string`).
    std::string name = "p";
    name.append(std::to_string(dst)).append("#").append(std::to_string(++p2p_mailboxes_created_));
    // by_name and set_receiver are simcalls: another actor may acquire the same key
    // meanwhile, so the list gets the mailbox only once it is ready.
    box = engine_.mailbox(name);
    box->set_receiver(rank_actors_[static_cast<std::size_t>(dst)]);
    if (P2pMailbox* held = find_p2p_mailbox(src, dst, tag)) {
      idle.push_back(box);
      ++held->users;
      return held->box;
    }
  }
  p2p_mailboxes_[static_cast<std::size_t>(dst)].push_back(P2pMailbox{src, tag, box, 1});
  return box;
}

void SimWorld::release_p2p_mailbox(int src, int dst, int tag) {
  P2pMailbox* held = find_p2p_mailbox(src, dst, tag);
  if (held == nullptr || --held->users > 0) return;
  // A transfer that ended before its receive was posted waits in the mailbox (listen()
  // sees it): the mailbox stays the key's until that receive takes it.
  if (held->box->listen()) return;
  // listen() may be a simcall, during which other actors may add entries (moving the
  // list): look the entry up again.
  held = find_p2p_mailbox(src, dst, tag);
  if (held == nullptr) return;
  idle_p2p_mailboxes_[static_cast<std::size_t>(dst)].push_back(held->box);
  std::vector<P2pMailbox>& in_use = p2p_mailboxes_[static_cast<std::size_t>(dst)];
  *held = in_use.back();  // order does not matter: entries are found by key
  in_use.pop_back();
}

Mailbox* SimWorld::collective_mailbox(const core::CommGroup& group, int member, int lane) {
  // Groups are identified by name, first rank and size: the same on every member.
  std::string name = "c";
  name.append(group.name).append(":").append(std::to_string(group.ranks.front()));
  name.append(":").append(std::to_string(group.ranks.size())).append(">").append(std::to_string(member));
  if (lane != 0) name.append("/x");
  return engine_.mailbox(name);
}

core::RunRecords SimWorld::take_records() {
  core::RunRecords out = std::move(records_);
  memory_.export_to(out);
  if (fold_ > 1 || !input_.image_of_rank.empty()) {
    // Every member of a folded group holds what its first rank holds, and a mirrored
    // rank what its image holds.
    std::vector<std::int64_t> peaks;
    std::vector<std::vector<std::int64_t>> by_tag;
    for (int r = 0; r < input_.ranks; ++r) {
      const auto a = static_cast<std::size_t>(image_of(r - r % fold_) / fold_);
      peaks.push_back(out.peak_bytes_per_rank[a]);
      by_tag.push_back(out.peak_bytes_per_rank_tag[a]);
    }
    out.peak_bytes_per_rank = std::move(peaks);
    out.peak_bytes_per_rank_tag = std::move(by_tag);
    out.oom.rank = out.oom.happened ? rank_of_actor(out.oom.rank) : out.oom.rank;
    for (core::MemoryEvent& e : out.memory) e.rank = rank_of_actor(e.rank);
  }
  return out;
}

Mailbox* SimWorld::message_mailbox(int rank) {
  std::string name = "m";
  name.append(std::to_string(rank));
  return engine_.mailbox(name);
}

}  // namespace lcperf::sim

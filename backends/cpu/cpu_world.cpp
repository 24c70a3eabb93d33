#include "backends/cpu/cpu_world.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "backends/cpu/buffer_math.hpp"
#include "backends/cpu/op_executor.hpp"
#include "kernels/profiling.hpp"

namespace lcperf::backends::cpu {

namespace {

using Clock = std::chrono::steady_clock;

// [begin, end) elements of member `i` of `n` over `elements`.
std::pair<std::int64_t, std::int64_t> slice(std::int64_t elements, int i, int n) {
  return {elements * i / n, elements * (i + 1) / n};
}

std::string group_key(const core::CommGroup& group) {
  std::string key = group.name;
  for (int r : group.ranks) key.append(":").append(std::to_string(r));
  return key;
}

}  // namespace

std::string describe(const Work& w) {
  switch (w.kind) {
    case Work::Kind::kernel: return "kernel '" + w.name + "'";
    case Work::Kind::send: return "send to rank " + std::to_string(w.peer) + " tag " + std::to_string(w.tag);
    case Work::Kind::recv: return "recv from rank " + std::to_string(w.peer) + " tag " + std::to_string(w.tag);
    case Work::Kind::collective:
      return std::string(core::to_string(w.collective)) + " over group '" + (w.group ? w.group->name : "?") + "'";
  }
  return "?";
}

CpuWorld::CpuWorld(const LiveInput& input)
    : input_(input),
      start_(Clock::now()),
      rank_states_(static_cast<std::size_t>(input.ranks)),
      done_(1, 1),
      memory_(input.ranks, input.memory_capacity_bytes) {
  records_.node_of_rank.assign(static_cast<std::size_t>(input.ranks), 0);
  for (std::size_t r = 0; r < input.node_of_rank.size() && r < records_.node_of_rank.size(); ++r) {
    records_.node_of_rank[r] = input.node_of_rank[r];
  }
  watchdog_ = std::thread([this] { watchdog_loop(); });
}

CpuWorld::~CpuWorld() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (!aborted_) aborted_ = true;  // a world torn down early releases every waiter
    changed();
  }
  for (RankState& r : rank_states_) {
    for (auto& [id, stream] : r.streams) {
      if (stream->worker.joinable()) stream->worker.join();
    }
  }
  if (watchdog_.joinable()) watchdog_.join();
}

double CpuWorld::now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

core::Tensor CpuWorld::allocate(int rank, const core::TensorDesc& desc) {
  const std::int64_t bytes = desc.bytes();
  if (bytes < 0) throw std::logic_error("rank " + std::to_string(rank) + " allocates a tensor of negative size");
  // Pages are touched only by the work that uses them, so accounting-only tensors
  // (model states that no op reads) cost address space, not memory traffic.
  auto storage = std::make_unique_for_overwrite<std::byte[]>(static_cast<std::size_t>(std::max<std::int64_t>(bytes, 1)));
  std::lock_guard lock(mu_);
  core::Tensor tensor{++next_tensor_, desc};
  buffers_.emplace(tensor.id, std::move(storage));
  memory_.allocate(rank, desc.tag, bytes, now_s());
  return tensor;
}

void CpuWorld::release(int rank, core::Tensor& tensor) {
  if (!tensor.valid()) throw std::logic_error("rank " + std::to_string(rank) + " releases an invalid tensor");
  std::unique_ptr<std::byte[]> storage;
  {
    std::lock_guard lock(mu_);
    auto it = buffers_.find(tensor.id);
    if (it == buffers_.end()) {
      throw std::logic_error("rank " + std::to_string(rank) + " releases tensor '" + tensor.desc.name + "' twice");
    }
    storage = std::move(it->second);
    buffers_.erase(it);
    memory_.release(rank, tensor.desc.tag, tensor.bytes(), now_s());
  }
  tensor.id = 0;
}

std::byte* CpuWorld::buffer(std::uint64_t tensor) {
  auto it = buffers_.find(tensor);
  if (it == buffers_.end()) throw std::logic_error("work on tensor " + std::to_string(tensor) + " after its release");
  return it->second.get();
}

std::span<std::byte> CpuWorld::buffer_span(const core::Tensor& tensor) {
  std::lock_guard lock(mu_);
  return {buffer(tensor.id), static_cast<std::size_t>(tensor.bytes())};
}

std::uint64_t CpuWorld::enqueue(int rank, int stream_id, Work work) {
  std::lock_guard lock(mu_);
  if (aborted_) throw_abort();
  done_.push_back(0);
  work.completion = done_.size() - 1;
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  auto it = r.streams.find(stream_id);
  if (it == r.streams.end()) {
    auto state = std::make_unique<Stream>();
    state->rank = rank;
    state->id = stream_id;
    Stream* raw = state.get();
    it = r.streams.emplace(stream_id, std::move(state)).first;
    raw->worker = std::thread([this, raw] { worker_loop(*raw); });
  }
  if (work.kind == Work::Kind::collective) {
    // The n-th call on a group matches the n-th call of every other member.
    const std::string key = group_key(*work.group);
    work.name.append("#").append(std::to_string(r.collective_calls[key]++));
  }
  const std::uint64_t id = work.completion;
  it->second->queue.push_back(std::move(work));
  changed();
  return id;
}

void CpuWorld::wait(int rank, std::uint64_t completion) {
  if (completion == 0) return;
  std::unique_lock lock(mu_);
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  r.blocked_on = "waiting for completion " + std::to_string(completion);
  changed_.wait(lock, [&] { return done_[completion] != 0 || aborted_; });
  r.blocked_on.clear();
  if (done_[completion] == 0) throw_abort();
}

void CpuWorld::worker_loop(Stream& stream) {
  set_scratch_owner(stream.rank, stream.id);
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return !stream.queue.empty() || stopping_ || aborted_; });
    if (aborted_ || stream.queue.empty()) return;  // stopping with nothing left
    Work work = std::move(stream.queue.front());
    stream.queue.pop_front();
    stream.current = describe(work);
    try {
      run(stream, work, lock);
    } catch (const std::exception& e) {
      if (!aborted_) abort("rank " + std::to_string(stream.rank) + " stream " + std::to_string(stream.id) + ": " + e.what(), false);
      return;
    }
    stream.current.clear();
    stream.executing = false;
  }
}

void CpuWorld::run(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock) {
  const double start = now_s();
  switch (work.kind) {
    case Work::Kind::kernel: run_kernel(stream, work, lock); break;
    case Work::Kind::send: run_send(stream, work, lock); break;
    case Work::Kind::recv: run_recv(stream, work, lock); break;
    case Work::Kind::collective: run_collective(stream, work, lock); break;
  }
  if (aborted_) return;
  core::TimelineRecord rec;
  rec.rank = stream.rank;
  rec.stream = stream.id;
  if (work.kind == Work::Kind::collective) work.name.erase(work.name.rfind('#'));
  rec.name = std::move(work.name);
  rec.category = std::move(work.category);
  rec.start_s = start;
  rec.end_s = now_s();
  if (work.kind == Work::Kind::kernel) {
    rec.flops = core::flops_of(work.op);
    rec.bytes = core::bytes_of(work.op);
  } else {
    rec.bytes = static_cast<double>(work.bytes);
  }
  rec.micro_batch = work.micro_batch;
  records_.timeline.push_back(std::move(rec));
  ++records_.events_simulated;
  done_[work.completion] = 1;
  changed();
}

template <typename Pred>
bool CpuWorld::wait_for_peer(Stream& stream, std::unique_lock<std::mutex>& lock, Pred pred) {
  stream.executing = false;
  changed_.wait(lock, [&] { return pred() || aborted_; });
  stream.executing = true;
  return !aborted_;
}

void CpuWorld::run_kernel(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock) {
  stream.executing = true;
  lock.unlock();
  const double cpu_start = kernels::thread_cpu_seconds();
  const auto wall_start = Clock::now();
  std::vector<double> seconds = input_.execute_op ? input_.execute_op(work.op) : execute_op(work.op);
  const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
  const double cpu = kernels::thread_cpu_seconds() - cpu_start;
  lock.lock();
  kernel_wall_s_ += wall;
  kernel_cpu_s_ += cpu;
  for (std::size_t i = 0; i < seconds.size() && i < work.op.parts.size(); ++i) {
    parts_.push_back({stream.rank, stream.id, work.op.name, work.op.micro_batch, static_cast<int>(i), work.op.parts[i],
                      seconds[i]});
  }
}

// Eager protocol: the payload is copied into a bounce buffer that belongs to the
// channel, so the send completes whether or not the receiver has posted its recv.
void CpuWorld::run_send(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock) {
  stream.executing = true;
  const std::byte* source = buffer(work.tensor);
  const auto bytes = static_cast<std::size_t>(work.bytes);
  lock.unlock();
  auto bounce = std::make_unique_for_overwrite<std::byte[]>(std::max<std::size_t>(bytes, 1));
  if (bytes > 0) std::memcpy(bounce.get(), source, bytes);
  lock.lock();
  arrived_[{stream.rank, work.peer, work.tag}].push_back(std::move(bounce));
  changed();
}

void CpuWorld::run_recv(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock) {
  auto& channel = arrived_[{work.peer, stream.rank, work.tag}];
  if (!wait_for_peer(stream, lock, [&] { return !channel.empty(); })) return;
  std::unique_ptr<std::byte[]> bounce = std::move(channel.front());
  channel.pop_front();
  std::byte* target = buffer(work.tensor);
  lock.unlock();
  if (work.bytes > 0) std::memcpy(target, bounce.get(), static_cast<std::size_t>(work.bytes));
  bounce.reset();
  lock.lock();
}

// Every member takes part in moving the data: in the first phase member i produces
// slice i of the result in a shared staging buffer (summing it over all members for
// the reductions), in the second each member copies what it needs from the staging
// buffer into its own. Barriers between the phases keep every buffer stable while
// others read it.
void CpuWorld::run_collective(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock) {
  const core::CommGroup& group = *work.group;
  const int n = static_cast<int>(group.ranks.size());
  const int me = static_cast<int>(std::find(group.ranks.begin(), group.ranks.end(), stream.rank) - group.ranks.begin());
  if (n <= 1) return;
  Rendezvous& rv = rendezvous_[group_key(group) + work.name.substr(work.name.rfind('#'))];
  if (rv.members == 0) {
    rv.members = n;
    rv.buffers.assign(static_cast<std::size_t>(n), nullptr);
    const std::size_t copies = work.collective == core::CollectiveKind::all_to_all ? static_cast<std::size_t>(n) : 1;
    rv.staging.resize(static_cast<std::size_t>(work.bytes) * copies);
  }
  rv.buffers[static_cast<std::size_t>(me)] = buffer(work.tensor);
  ++rv.arrived;
  changed();
  if (!wait_for_peer(stream, lock, [&] { return rv.arrived == n; })) return;

  const std::int64_t elem = core::dtype_bytes(work.dtype);
  const std::int64_t elements = work.bytes / elem;
  const auto [begin, end] = slice(elements, me, n);
  std::byte* own = rv.buffers[static_cast<std::size_t>(me)];
  std::byte* staging = rv.staging.data();
  const std::vector<std::byte*>& all = rv.buffers;
  lock.unlock();
  switch (work.collective) {
    case core::CollectiveKind::all_reduce:
    case core::CollectiveKind::reduce_scatter:
    case core::CollectiveKind::reduce:
      sum_elements(work.dtype, all.data(), n, staging, begin, end);
      break;
    case core::CollectiveKind::all_gather:
      std::memcpy(staging + begin * elem, own + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::broadcast:
      std::memcpy(staging + begin * elem, all[0] + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::all_to_all: {
      // Member me's block j comes from member j's block me.
      const std::int64_t block = elements / n;
      for (int j = 0; j < n; ++j) {
        std::memcpy(staging + (me * elements + j * block) * elem, all[static_cast<std::size_t>(j)] + me * block * elem,
                    static_cast<std::size_t>(block * elem));
      }
      break;
    }
  }
  lock.lock();
  ++rv.computed;
  changed();
  if (!wait_for_peer(stream, lock, [&] { return rv.computed == n; })) return;
  lock.unlock();
  switch (work.collective) {
    case core::CollectiveKind::all_reduce:
    case core::CollectiveKind::all_gather:
      std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
      break;
    case core::CollectiveKind::reduce_scatter:
      std::memcpy(own + begin * elem, staging + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::broadcast:
    case core::CollectiveKind::reduce:
      if (me != 0) {
        if (work.collective == core::CollectiveKind::broadcast) {
          std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
        }
      } else if (work.collective == core::CollectiveKind::reduce) {
        std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
      }
      break;
    case core::CollectiveKind::all_to_all:
      std::memcpy(own, staging + me * elements * elem, static_cast<std::size_t>(elements * elem));
      break;
  }
  lock.lock();
  ++rv.left;
  changed();
  // The last member out frees the rendezvous only once everyone has copied out.
  if (!wait_for_peer(stream, lock, [&] { return rv.left == n; })) return;
  if (--rv.members == 0) rendezvous_.erase(group_key(group) + work.name.substr(work.name.rfind('#')));
}

void CpuWorld::post_message(int from, int to, const core::Message& message) {
  if (to < 0 || to >= ranks()) throw std::logic_error("rank " + std::to_string(from) + ": post_message to invalid rank " + std::to_string(to));
  std::lock_guard lock(mu_);
  core::Message copy = message;
  copy.from = from;
  rank_states_[static_cast<std::size_t>(to)].inbox.push_back(std::move(copy));
  changed();
}

std::optional<core::Message> CpuWorld::receive_message(int rank, double timeout_s) {
  std::unique_lock lock(mu_);
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  const auto ready = [&] { return !r.inbox.empty() || aborted_; };
  if (timeout_s < 0) {
    r.blocked_on = "receive_message (no timeout)";
    changed_.wait(lock, ready);
    r.blocked_on.clear();
  } else {
    changed_.wait_until(lock, Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)), ready);
  }
  if (aborted_) throw_abort();
  if (r.inbox.empty()) return std::nullopt;
  core::Message m = std::move(r.inbox.front());
  r.inbox.pop_front();
  return m;
}

void CpuWorld::log_decision(int rank, std::string_view kind, std::string_view detail) {
  std::lock_guard lock(mu_);
  records_.decisions.push_back({now_s(), rank, std::string(kind), std::string(detail)});
}

void CpuWorld::rank_finished(int rank) {
  std::lock_guard lock(mu_);
  rank_states_[static_cast<std::size_t>(rank)].finished = true;
  changed();
}

void CpuWorld::rank_failed(int rank, const std::string& what) {
  std::lock_guard lock(mu_);
  if (!aborted_) abort("rank " + std::to_string(rank) + ": " + what, false);
}

void CpuWorld::abort(std::string error, bool deadlock) {
  aborted_ = true;
  deadlocked_ = deadlock;
  error_ = std::move(error);
  changed();
}

void CpuWorld::throw_abort() const {
  if (deadlocked_) throw LiveDeadlockError(error_);
  throw std::runtime_error(error_.empty() ? "live run aborted" : error_);
}

bool CpuWorld::everyone_blocked() const {
  bool any_unfinished = false;
  for (const RankState& r : rank_states_) {
    if (!r.finished) {
      any_unfinished = true;
      if (r.blocked_on.empty()) return false;
    }
    for (const auto& [id, s] : r.streams) {
      if (s->executing) return false;
      // Queued work on an idle worker is about to start.
      if (!s->queue.empty() && s->current.empty()) return false;
    }
  }
  return any_unfinished;
}

std::string CpuWorld::deadlock_report() const {
  std::ostringstream out;
  out << "deadlock: rank programs wait on each other forever (live CPU run, t=" << now_s() << " s)";
  for (std::size_t rank = 0; rank < rank_states_.size(); ++rank) {
    const RankState& r = rank_states_[rank];
    if (r.finished) continue;
    out << "\n  rank " << rank << ": " << r.blocked_on;
    for (const auto& [id, s] : r.streams) {
      if (!s->current.empty()) out << "; stream " << id << " blocked in " << s->current;
      if (!s->queue.empty()) out << "; stream " << id << " has " << s->queue.size() << " queued (next: " << describe(s->queue.front()) << ")";
    }
  }
  return out.str();
}

void CpuWorld::watchdog_loop() {
  std::unique_lock lock(mu_);
  std::uint64_t seen = version_;
  auto since = Clock::now();
  while (!stopping_ && !aborted_) {
    changed_.wait_for(lock, std::chrono::milliseconds(20));
    if (stopping_ || aborted_) return;
    if (!everyone_blocked() || version_ != seen) {
      seen = version_;
      since = Clock::now();
      continue;
    }
    if (std::chrono::duration<double>(Clock::now() - since).count() >= input_.deadlock_grace_s) {
      abort(deadlock_report(), true);
      return;
    }
  }
}

LiveResult CpuWorld::finish() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed();
  }
  for (RankState& r : rank_states_) {
    for (auto& [id, stream] : r.streams) {
      if (stream->worker.joinable()) stream->worker.join();
    }
  }
  if (watchdog_.joinable()) watchdog_.join();
  std::lock_guard lock(mu_);
  if (aborted_) throw_abort();
  LiveResult result;
  result.records = std::move(records_);
  memory_.export_to(result.records);
  for (const core::TimelineRecord& rec : result.records.timeline) {
    result.records.end_time_s = std::max(result.records.end_time_s, rec.end_s);
  }
  result.parts = std::move(parts_);
  result.kernel_wall_s = kernel_wall_s_;
  result.kernel_cpu_s = kernel_cpu_s_;
  return result;
}

}  // namespace lcperf::backends::cpu

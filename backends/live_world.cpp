#include "backends/live_world.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

namespace lcperf::backends {

namespace {

using Clock = std::chrono::steady_clock;

// The n-th call on a group matches the n-th call of every other member.
std::string group_key(const core::CommGroup& group) {
  std::string key = group.name;
  for (int member : group.ranks) key.append(":").append(std::to_string(member));
  return key;
}

}  // namespace

LiveWorld::LiveWorld(const LiveInput& input, std::string run)
    : memory_(input.ranks, input.memory_capacity_bytes),
      input_(input),
      run_(std::move(run)),
      start_(Clock::now()),
      rank_states_(static_cast<std::size_t>(input.ranks)),
      done_(1, 1) {}

LiveWorld::~LiveWorld() { tear_down(); }

void LiveWorld::begin_run() {
  start_ = Clock::now();
  watchdog_ = std::thread([this] { watchdog_loop(); });
}

double LiveWorld::now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void LiveWorld::changed() {
  ++version_;
  changed_.notify_all();
}

std::uint64_t LiveWorld::enqueue(int rank, int stream_id, Work work) {
  std::lock_guard lock(mu_);
  if (aborted_) throw_abort();
  done_.push_back(0);
  work.completion = done_.size() - 1;
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  auto it = r.streams.find(stream_id);
  if (it == r.streams.end()) {
    std::unique_ptr<Stream> state = new_stream();
    state->rank = rank;
    state->id = stream_id;
    Stream* raw = state.get();
    it = r.streams.emplace(stream_id, std::move(state)).first;
    raw->thread = std::thread([this, raw] { serve(*raw); });
  }
  if (work.kind == Work::Kind::collective) {
    const std::string key = group_key(*work.group);
    work.call = key + "#" + std::to_string(r.collective_calls[key]++);
  }
  const std::uint64_t id = work.completion;
  it->second->queue.push_back(std::move(work));
  changed();
  return id;
}

void LiveWorld::wait(int rank, std::uint64_t completion) {
  if (completion == 0) return;
  {
    Lock lock(mu_);
    RankState& r = rank_states_[static_cast<std::size_t>(rank)];
    r.blocked_on = "waiting for completion " + std::to_string(completion);
    changed_.wait(lock, [&] { return done_[completion] != 0 || aborted_; });
    r.blocked_on.clear();
    if (done_[completion] == 0) throw_abort();
  }
  await_device(completion);
}

void LiveWorld::complete(std::uint64_t completion) {
  done_[completion] = 1;
  changed();
}

void LiveWorld::serve(Stream& stream) {
  try {
    open_stream(stream);
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    fail(stream, e.what());
    return;
  }
  Lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return !stream.queue.empty() || stopping_ || aborted_; });
    if (aborted_ || stream.queue.empty()) return;  // stopping with nothing left
    Work work = std::move(stream.queue.front());
    stream.queue.pop_front();
    stream.current = describe(work);
    stream.executing = true;
    try {
      execute(stream, work, lock);
    } catch (const std::exception& e) {
      if (!lock.owns_lock()) lock.lock();
      fail(stream, e.what());
      return;
    }
    stream.current.clear();
    stream.executing = false;
  }
}

void LiveWorld::fail(const Stream& stream, const std::string& what) {
  if (!aborted_) abort("rank " + std::to_string(stream.rank) + " stream " + std::to_string(stream.id) + ": " + what, false);
}

const std::map<int, std::unique_ptr<LiveWorld::Stream>>& LiveWorld::streams_of(int rank) const {
  return rank_states_[static_cast<std::size_t>(rank)].streams;
}

void LiveWorld::post_message(int from, int to, const core::Message& message) {
  if (to < 0 || to >= ranks()) {
    throw std::logic_error("rank " + std::to_string(from) + ": post_message to invalid rank " + std::to_string(to));
  }
  std::lock_guard lock(mu_);
  core::Message copy = message;
  copy.from = from;
  rank_states_[static_cast<std::size_t>(to)].inbox.push_back(std::move(copy));
  changed();
}

std::optional<core::Message> LiveWorld::receive_message(int rank, double timeout_s) {
  Lock lock(mu_);
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  const auto ready = [&] { return !r.inbox.empty() || aborted_; };
  if (timeout_s < 0) {
    r.blocked_on = "receive_message (no timeout)";
    changed_.wait(lock, ready);
    r.blocked_on.clear();
  } else {
    changed_.wait_until(
        lock, Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)), ready);
  }
  if (aborted_) throw_abort();
  if (r.inbox.empty()) return std::nullopt;
  core::Message m = std::move(r.inbox.front());
  r.inbox.pop_front();
  return m;
}

void LiveWorld::log_decision(int rank, std::string_view kind, std::string_view detail) {
  std::lock_guard lock(mu_);
  decisions_.push_back({now_s(), rank, std::string(kind), std::string(detail)});
}

void LiveWorld::rank_finished(int rank) {
  std::lock_guard lock(mu_);
  rank_states_[static_cast<std::size_t>(rank)].finished = true;
  changed();
}

void LiveWorld::rank_failed(int rank, const std::string& what) {
  std::lock_guard lock(mu_);
  if (!aborted_) abort("rank " + std::to_string(rank) + ": " + what, false);
}

void LiveWorld::abort(std::string error, bool deadlock) {
  aborted_ = true;
  deadlocked_ = deadlock;
  error_ = std::move(error);
  changed();
}

void LiveWorld::throw_abort() const {
  if (deadlocked_) throw LiveDeadlockError(error_);
  throw std::runtime_error(error_.empty() ? run_ + " aborted" : error_);
}

void LiveWorld::stop_threads() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed();
  }
  for (RankState& r : rank_states_) {
    for (auto& [id, stream] : r.streams) {
      if (stream->thread.joinable()) stream->thread.join();
    }
  }
  if (watchdog_.joinable()) watchdog_.join();
}

void LiveWorld::tear_down() {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && !aborted_) aborted_ = true;
  }
  stop_threads();
}

core::RunRecords LiveWorld::take_records(std::vector<core::TimelineRecord> timeline) {
  core::RunRecords records;
  records.node_of_rank.assign(static_cast<std::size_t>(input_.ranks), 0);
  for (std::size_t r = 0; r < input_.node_of_rank.size() && r < records.node_of_rank.size(); ++r) {
    records.node_of_rank[r] = input_.node_of_rank[r];
  }
  records.timeline = std::move(timeline);
  records.events_simulated = records.timeline.size();
  records.decisions = std::move(decisions_);
  memory_.export_to(records);
  for (const core::TimelineRecord& rec : records.timeline) records.end_time_s = std::max(records.end_time_s, rec.end_s);
  return records;
}

}  // namespace lcperf::backends

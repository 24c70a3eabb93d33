#pragma once
// A small in-process stand-in for the runtime seam, for scheduler logic tests only (the
// real simulator lives in sim/ and is not used here). Each rank runs on its own thread;
// kernels complete at once and advance a per-rank clock by a constant; p2p follows the
// seam's matching rule (source, destination, tag, posting order) and its buffered
// semantics: a send completes at once, a recv when its send has been posted, so a
// schedule that would deadlock makes wait() time out. Collectives
// complete at once and are only recorded (members' sequences are compared afterwards).
#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/runtime.hpp"

namespace lcperf::test {

struct P2pRecord {
  int peer = -1;
  int tag = 0;
  std::int64_t bytes = 0;
  bool operator==(const P2pRecord&) const = default;
};

struct CollectiveRecord {
  core::CollectiveKind kind{};
  std::string group;
  std::vector<int> ranks;
  std::int64_t bytes = 0;
  bool operator==(const CollectiveRecord&) const = default;
};

struct RankLog {
  std::vector<core::KernelOp> ops;
  std::vector<P2pRecord> sends;
  std::vector<P2pRecord> recvs;
  std::vector<CollectiveRecord> collectives;
  std::vector<std::pair<std::string, std::string>> decisions;
  std::array<std::int64_t, core::kMemoryTagCount> allocated{};  // cumulative per tag
  std::array<std::int64_t, core::kMemoryTagCount> released{};
  std::array<std::int64_t, core::kMemoryTagCount> current{};
  std::array<std::int64_t, core::kMemoryTagCount> tag_peak{};
  std::int64_t current_total = 0;
  std::int64_t peak_total = 0;
  int live_tensors = 0;
  bool synchronized = false;
};

class FakeWorld {
 public:
  explicit FakeWorld(int world_size, double op_time_s = 1.0)
      : logs_(static_cast<std::size_t>(world_size)), op_time_s_(op_time_s) {}

  int world_size() const { return static_cast<int>(logs_.size()); }
  double op_time_s() const { return op_time_s_; }
  const RankLog& log(int rank) const { return logs_[static_cast<std::size_t>(rank)]; }
  RankLog& log(int rank) { return logs_[static_cast<std::size_t>(rank)]; }

  // Runs one program per rank on its own thread; returns the errors (empty = fine).
  std::vector<std::string> run(const std::vector<core::RankProgram>& programs);

  // p2p matching; returns the completion id.
  std::uint64_t post(bool is_send, int src, int dst, int tag) {
    std::lock_guard lock(mu_);
    const std::uint64_t id = next_id_++;
    done_[id] = false;
    auto key = std::make_tuple(src, dst, tag);
    if (is_send) {
      // Buffered: the data is on its way whether or not the receiver has posted.
      done_[id] = true;
      auto& waiting = recvs_[key];
      if (!waiting.empty()) {
        done_[waiting.front()] = true;
        waiting.pop_front();
      } else {
        ++arrived_[key];
      }
      cv_.notify_all();
      return id;
    }
    auto& arrived = arrived_[key];
    if (arrived > 0) {
      --arrived;
      done_[id] = true;
    } else {
      recvs_[key].push_back(id);
    }
    return id;
  }

  void wait(std::uint64_t id) {
    if (id == 0) return;
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done_.at(id); })) {
      throw std::runtime_error("wait timed out: p2p never matched (deadlock?)");
    }
  }

 private:
  std::vector<RankLog> logs_;
  double op_time_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, bool> done_;
  std::map<std::tuple<int, int, int>, int> arrived_;  // sends whose recv is not posted yet
  std::map<std::tuple<int, int, int>, std::deque<std::uint64_t>> recvs_;
};

class FakeRuntime : public core::Runtime {
 public:
  FakeRuntime(FakeWorld& world, int rank) : world_(world), rank_(rank) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_.world_size(); }

  core::Tensor allocate(const core::TensorDesc& desc) override {
    RankLog& l = log();
    const auto t = static_cast<std::size_t>(desc.tag);
    const std::int64_t bytes = desc.bytes();
    l.allocated[t] += bytes;
    l.current[t] += bytes;
    l.tag_peak[t] = std::max(l.tag_peak[t], l.current[t]);
    l.current_total += bytes;
    l.peak_total = std::max(l.peak_total, l.current_total);
    ++l.live_tensors;
    return core::Tensor{++next_tensor_, desc};
  }
  void release(core::Tensor& tensor) override {
    RankLog& l = log();
    const auto t = static_cast<std::size_t>(tensor.desc.tag);
    l.released[t] += tensor.bytes();
    l.current[t] -= tensor.bytes();
    l.current_total -= tensor.bytes();
    --l.live_tensors;
    tensor = {};
  }

  core::Completion launch(const core::KernelOp& op, core::StreamId) override {
    log().ops.push_back(op);
    // Host work (a serving stack's host ops) takes its own time; every other op op_time_s.
    now_ += op.category == "host" ? op.host_time_s : world_.op_time_s();
    return {};
  }
  core::Completion send(const core::Tensor& tensor, int peer, core::StreamId, int tag) override {
    log().sends.push_back({peer, tag, tensor.bytes()});
    return {world_.post(true, rank_, peer, tag)};
  }
  core::Completion recv(const core::Tensor& tensor, int peer, core::StreamId, int tag) override {
    log().recvs.push_back({peer, tag, tensor.bytes()});
    return {world_.post(false, peer, rank_, tag)};
  }
  core::Completion collective(core::CollectiveKind kind, const core::CommGroup& group, const core::Tensor& tensor,
                              core::StreamId) override {
    log().collectives.push_back({kind, group.name, group.ranks, tensor.bytes()});
    return {};
  }
  void wait(core::Completion completion) override { world_.wait(completion.id); }
  void synchronize() override { log().synchronized = true; }

  double now_s() const override { return now_; }
  void sleep_until(double time_s) override { now_ = std::max(now_, time_s); }
  void post_message(int, const core::Message&) override {}
  std::optional<core::Message> receive_message(double) override { return std::nullopt; }
  void log_decision(std::string_view kind, std::string_view detail) override {
    log().decisions.emplace_back(std::string(kind), std::string(detail));
  }

 private:
  RankLog& log() { return world_.log(rank_); }

  FakeWorld& world_;
  int rank_;
  double now_ = 0;
  std::uint64_t next_tensor_ = 0;
};

inline std::vector<std::string> FakeWorld::run(const std::vector<core::RankProgram>& programs) {
  std::vector<std::string> errors(programs.size());
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < programs.size(); ++r) {
    threads.emplace_back([&, r] {
      try {
        FakeRuntime rt(*this, static_cast<int>(r));
        programs[r](rt);
      } catch (const std::exception& e) {
        errors[r] = "rank " + std::to_string(r) + ": " + e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::string> failed;
  for (const std::string& e : errors) {
    if (!e.empty()) failed.push_back(e);
  }
  return failed;
}

}  // namespace lcperf::test

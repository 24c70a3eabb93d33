#pragma once
// The p2p matching of a live run, the seam's eager rule: when a send's stream reaches
// it, its payload (a bounce buffer, a staged device copy) joins the (source,
// destination, tag) channel; a recv takes the oldest payload of its channel, so sends
// and recvs match in posting order. The world's lock guards it.
#include <deque>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

namespace lcperf::backends {

template <typename Payload>
class P2pChannels {
 public:
  void post(int from, int to, int tag, Payload payload) { channels_[{from, to, tag}].push_back(std::move(payload)); }

  bool ready(int from, int to, int tag) const {
    auto it = channels_.find({from, to, tag});
    return it != channels_.end() && !it->second.empty();
  }

  // The oldest payload of a ready channel.
  Payload take(int from, int to, int tag) {
    std::deque<Payload>& channel = channels_.at({from, to, tag});
    Payload payload = std::move(channel.front());
    channel.pop_front();
    return payload;
  }

  // Every payload no recv took (a run that stopped early), for the backend to free.
  std::vector<Payload> take_all() {
    std::vector<Payload> left;
    for (auto& [key, channel] : channels_) {
      for (Payload& payload : channel) left.push_back(std::move(payload));
    }
    channels_.clear();
    return left;
  }

 private:
  std::map<std::tuple<int, int, int>, std::deque<Payload>> channels_;
};

}  // namespace lcperf::backends

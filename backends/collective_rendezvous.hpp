#pragma once
// Where the members of one collective call meet in a live run. LiveWorld::enqueue names
// every call (the n-th call on a group matches the n-th call of every member); the
// first member to reach it on its stream opens the meeting, each member registers what
// it brings (its buffer, its stream, ...), and the last one to leave closes it. What
// the members do together is the backend's (`Shared`). The world's lock guards it.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lcperf::backends {

// [begin, end) elements of member `i` of `n` over `elements`: the slice member i owns in
// reduce_scatter and all_gather, the same in both live backends.
inline std::pair<std::int64_t, std::int64_t> member_slice(std::int64_t elements, int i, int n) {
  return {elements * i / n, elements * (i + 1) / n};
}

template <typename Member, typename Shared>
class CollectiveRendezvous {
 public:
  struct Meeting {
    int size = 0;     // members of the group
    int arrived = 0;
    std::vector<Member> members;  // by position in the group
    Shared shared;
    bool everyone_arrived() const { return arrived == size; }

   private:
    friend class CollectiveRendezvous;
    int left = 0;
  };

  // Registers the member at `position` of a group of `size` in call `call`.
  Meeting& arrive(const std::string& call, int size, int position, Member member) {
    Meeting& meeting = meetings_[call];
    if (meeting.size == 0) {
      meeting.size = size;
      meeting.members.resize(static_cast<std::size_t>(size));
    }
    meeting.members[static_cast<std::size_t>(position)] = std::move(member);
    ++meeting.arrived;
    return meeting;
  }

  // After this the member must not touch the meeting: the last one out closes it.
  void leave(const std::string& call) {
    auto it = meetings_.find(call);
    if (++it->second.left == it->second.size) meetings_.erase(it);
  }

 private:
  std::map<std::string, Meeting> meetings_;  // std::map: a Meeting stays put while others open
};

}  // namespace lcperf::backends

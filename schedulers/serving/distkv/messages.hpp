#pragma once
// The DistKV protocol's messages and the actions a protocol core asks its driver to
// perform. Cores (rmanager.hpp, gmanager.hpp) are pure state machines: they take a
// packet or a clock tick and return actions; a driver (controller.hpp on the runtime
// seam, or a test's scripted network) carries them out.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/runtime.hpp"

namespace lcperf::schedulers::serving::distkv {

// One block of an exchange: logical block `index` of `request`, now in `from_slot` of the
// instance sending its data, going to `to_slot` of the instance receiving it.
struct MoveItem {
  std::int64_t request = -1;
  std::int64_t index = -1;
  std::int64_t from_slot = -1;
  std::int64_t to_slot = -1;
  bool operator==(const MoveItem&) const = default;
};

struct Heartbeat {        // rManager -> gManager
  std::int64_t sequence = 0;
  std::int64_t free_blocks = 0;
  std::int64_t lendable_blocks = 0;  // min(free, lend cap - lent)
  // 1: the instance has nothing in flight and stops its heartbeats until something
  // happens to it (rmanager.hpp, "parking"); the gManager then does not expect them.
  std::int64_t parked = 0;
};
struct CreditorQuery {    // debtor -> gManager
  std::int64_t op = 0;
  std::int64_t blocks = 0;
};
struct CreditorList {     // gManager -> debtor, best first
  std::int64_t op = 0;
  std::vector<std::int64_t> creditors;
};
struct BorrowRequest {    // debtor -> creditor
  std::int64_t op = 0;
  std::int64_t request = 0;
  std::int64_t first_index = 0;  // logical index of the first block asked for
  std::int64_t blocks = 0;
};
struct BorrowGrant {      // creditor -> debtor (possibly fewer blocks than asked)
  std::int64_t op = 0;
  std::int64_t request = 0;
  std::int64_t first_index = 0;
  std::vector<std::int64_t> slots;
};
struct BorrowRefusal {    // creditor -> debtor
  std::int64_t op = 0;
};
struct ReturnBlocks {     // home -> creditor: these lent slots are free again
  std::int64_t request = 0;
  std::vector<std::int64_t> slots;
};
struct DebtChange {       // creditor -> gManager: blocks lent to `debtor` changed by `blocks`
  std::int64_t debtor = 0;
  std::int64_t blocks = 0;
};
struct SuspectInstance {  // debtor -> gManager: `instance` did not answer in time
  std::int64_t instance = 0;
};
struct InstanceDead {     // gManager -> every instance (the dead one too: it must stop)
  std::int64_t instance = 0;
};
// Exchange (locality reclaim and debt-cycle swap), initiator -> participant. `pull`:
// the initiator's blocks hosted by the participant, coming home. `push`: participant's
// blocks hosted by the initiator, going home into slots the pulls free.
struct ExchangePropose {
  std::int64_t op = 0;
  std::vector<MoveItem> pull;
  std::vector<MoveItem> push;
};
struct ExchangeReply {    // participant -> initiator; when accepted the pull data is already sent
  std::int64_t op = 0;
  bool accepted = false;
  std::int64_t blocks_sent = 0;
};
struct ExchangeDecision { // initiator -> participant
  std::int64_t op = 0;
  bool commit = false;
};

using Body = std::variant<Heartbeat, CreditorQuery, CreditorList, BorrowRequest, BorrowGrant, BorrowRefusal,
                          ReturnBlocks, DebtChange, SuspectInstance, InstanceDead, ExchangePropose, ExchangeReply,
                          ExchangeDecision>;

struct Packet {
  int from = -1;  // protocol node ids: instances 0..N-1, gManager N
  int to = -1;
  Body body;
};

// Bytes on the wire: a fixed header plus 8 bytes per integer field (what a packed binary
// encoding of these structs would take).
inline constexpr std::int64_t kHeaderBytes = 32;
std::int64_t wire_bytes(const Body& body);
std::string_view type_name(const Body& body);

// Runtime messages carry the body as text; `from`/`to` are protocol node ids.
core::Message encode(const Packet& packet);
Packet decode(const core::Message& message, int from_node, int to_node);

// Block data moving between instances through the seam's send/recv.
struct BlockTransfer {
  bool sending = false;
  int peer = -1;  // protocol node id
  int tag = 0;
  std::int64_t blocks = 0;
  std::int64_t bytes = 0;
};
int transfer_tag(std::int64_t op, int direction);  // direction 0: pull data, 1: push data

// What an allocation (or a loss) meant for a request, for the engine that asked.
enum class AllocationStatus { ok, preempted };
struct AllocationOutcome {
  std::int64_t request = -1;
  AllocationStatus status = AllocationStatus::ok;
  std::int64_t blocks_asked = 0;
  std::int64_t local_blocks = 0;
  std::int64_t host_blocks = 0;
  std::vector<std::pair<int, std::int64_t>> borrowed;  // (creditor, blocks) in grant order
  std::string reason;                                  // why it was preempted
};

using Action = std::variant<Packet, BlockTransfer, AllocationOutcome>;
using Actions = std::vector<Action>;

}  // namespace lcperf::schedulers::serving::distkv

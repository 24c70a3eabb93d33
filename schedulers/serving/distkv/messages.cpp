#include "schedulers/serving/distkv/messages.hpp"

#include <array>
#include <sstream>
#include <stdexcept>

namespace lcperf::schedulers::serving::distkv {
namespace {

constexpr std::array<std::string_view, std::variant_size_v<Body>> kTypeNames = {
    "distkv.heartbeat",      "distkv.creditor_query", "distkv.creditor_list",   "distkv.borrow_request",
    "distkv.borrow_grant",   "distkv.borrow_refusal", "distkv.return_blocks",   "distkv.debt_change",
    "distkv.suspect",        "distkv.instance_dead",  "distkv.exchange_propose", "distkv.exchange_reply",
    "distkv.exchange_decision"};

using Fields = std::vector<std::int64_t>;

void put_list(Fields& out, const std::vector<std::int64_t>& list) {
  out.push_back(static_cast<std::int64_t>(list.size()));
  out.insert(out.end(), list.begin(), list.end());
}
void put_items(Fields& out, const std::vector<MoveItem>& items) {
  out.push_back(static_cast<std::int64_t>(items.size()));
  for (const MoveItem& m : items) out.insert(out.end(), {m.request, m.index, m.from_slot, m.to_slot});
}

// Flattens a body into integers: the wire format (and the basis of its byte size).
Fields fields_of(const Body& body) {
  Fields f;
  std::visit(
      [&f](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Heartbeat>) f = {m.sequence, m.free_blocks, m.lendable_blocks, m.parked};
        if constexpr (std::is_same_v<T, CreditorQuery>) f = {m.op, m.blocks};
        if constexpr (std::is_same_v<T, CreditorList>) { f = {m.op}; put_list(f, m.creditors); }
        if constexpr (std::is_same_v<T, BorrowRequest>) f = {m.op, m.request, m.first_index, m.blocks};
        if constexpr (std::is_same_v<T, BorrowGrant>) { f = {m.op, m.request, m.first_index}; put_list(f, m.slots); }
        if constexpr (std::is_same_v<T, BorrowRefusal>) f = {m.op};
        if constexpr (std::is_same_v<T, ReturnBlocks>) { f = {m.request}; put_list(f, m.slots); }
        if constexpr (std::is_same_v<T, DebtChange>) f = {m.debtor, m.blocks};
        if constexpr (std::is_same_v<T, SuspectInstance>) f = {m.instance};
        if constexpr (std::is_same_v<T, InstanceDead>) f = {m.instance};
        if constexpr (std::is_same_v<T, ExchangePropose>) { f = {m.op}; put_items(f, m.pull); put_items(f, m.push); }
        if constexpr (std::is_same_v<T, ExchangeReply>) f = {m.op, m.accepted ? 1 : 0, m.blocks_sent};
        if constexpr (std::is_same_v<T, ExchangeDecision>) f = {m.op, m.commit ? 1 : 0};
      },
      body);
  return f;
}

class FieldReader {
 public:
  explicit FieldReader(const Fields& f) : f_(f) {}
  std::int64_t next() {
    if (at_ >= f_.size()) throw std::runtime_error("distkv message: payload too short");
    return f_[at_++];
  }
  std::vector<std::int64_t> list() {
    std::vector<std::int64_t> out(static_cast<std::size_t>(count()));
    for (auto& v : out) v = next();
    return out;
  }
  std::vector<MoveItem> items() {
    std::vector<MoveItem> out(static_cast<std::size_t>(count()));
    for (MoveItem& m : out) m = {next(), next(), next(), next()};
    return out;
  }
  void expect_end() const {
    if (at_ != f_.size()) throw std::runtime_error("distkv message: payload too long");
  }

 private:
  std::int64_t count() {
    const std::int64_t n = next();
    if (n < 0 || static_cast<std::size_t>(n) > f_.size()) throw std::runtime_error("distkv message: bad list length");
    return n;
  }
  const Fields& f_;
  std::size_t at_ = 0;
};

Body body_of(std::size_t type, const Fields& fields) {
  FieldReader r(fields);
  Body body;
  switch (type) {
    case 0: {
      Heartbeat m;
      m.sequence = r.next();
      m.free_blocks = r.next();
      m.lendable_blocks = r.next();
      m.parked = r.next();
      body = m;
      break;
    }
    case 1: body = CreditorQuery{r.next(), r.next()}; break;
    case 2: { CreditorList m; m.op = r.next(); m.creditors = r.list(); body = m; break; }
    case 3: body = BorrowRequest{r.next(), r.next(), r.next(), r.next()}; break;
    case 4: { BorrowGrant m; m.op = r.next(); m.request = r.next(); m.first_index = r.next(); m.slots = r.list(); body = m; break; }
    case 5: body = BorrowRefusal{r.next()}; break;
    case 6: { ReturnBlocks m; m.request = r.next(); m.slots = r.list(); body = m; break; }
    case 7: body = DebtChange{r.next(), r.next()}; break;
    case 8: body = SuspectInstance{r.next()}; break;
    case 9: body = InstanceDead{r.next()}; break;
    case 10: { ExchangePropose m; m.op = r.next(); m.pull = r.items(); m.push = r.items(); body = m; break; }
    case 11: { ExchangeReply m; m.op = r.next(); m.accepted = r.next() != 0; m.blocks_sent = r.next(); body = m; break; }
    case 12: { ExchangeDecision m; m.op = r.next(); m.commit = r.next() != 0; body = m; break; }
    default: throw std::runtime_error("distkv message: unknown type");
  }
  r.expect_end();
  return body;
}

}  // namespace

std::int64_t wire_bytes(const Body& body) {
  return kHeaderBytes + 8 * static_cast<std::int64_t>(fields_of(body).size());
}

std::string_view type_name(const Body& body) { return kTypeNames[body.index()]; }

core::Message encode(const Packet& packet) {
  std::ostringstream text;
  bool first = true;
  for (std::int64_t v : fields_of(packet.body)) {
    if (!first) text << ' ';
    text << v;
    first = false;
  }
  return core::Message{packet.from, std::string(type_name(packet.body)), wire_bytes(packet.body), text.str()};
}

Packet decode(const core::Message& message, int from_node, int to_node) {
  std::size_t type = kTypeNames.size();
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == message.type) type = i;
  }
  if (type == kTypeNames.size()) throw std::runtime_error("distkv: unknown message type '" + message.type + "'");
  Fields fields;
  std::istringstream text(message.payload);
  std::int64_t v = 0;
  while (text >> v) fields.push_back(v);
  if (!text.eof()) throw std::runtime_error("distkv: malformed payload of '" + message.type + "'");
  return Packet{from_node, to_node, body_of(type, fields)};
}

int transfer_tag(std::int64_t op, int direction) {
  // Tags only need to be unique per (sender, receiver) among transfers in flight; op ids
  // are unique per initiator, so wrapping at 2^29 is harmless.
  constexpr std::int64_t kDistKvTagBase = 1 << 30;
  return static_cast<int>(kDistKvTagBase + ((op * 2 + direction) % (std::int64_t{1} << 29)));
}

}  // namespace lcperf::schedulers::serving::distkv

#include "schedulers/serving/stage_message.hpp"

#include <cstring>
#include <stdexcept>

namespace lcperf::schedulers::serving {

namespace {

void put(std::string& out, std::int64_t value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

class Reader {
 public:
  explicit Reader(const std::string& text) : text_(text) {}
  std::int64_t next() {
    if (at_ + sizeof(std::int64_t) > text_.size()) throw std::logic_error("serving stage message: truncated payload");
    std::int64_t value = 0;
    std::memcpy(&value, text_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  bool done() const { return at_ == text_.size(); }

 private:
  const std::string& text_;
  std::size_t at_ = 0;
};

}  // namespace

bool StageBatch::operator==(const StageBatch& o) const {
  if (sequence != o.sequence || step != o.step || stop != o.stop || seqs != o.seqs ||
      swap_out_blocks != o.swap_out_blocks || swap_in_blocks != o.swap_in_blocks ||
      kv_events.size() != o.kv_events.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kv_events.size(); ++i) {
    const KvEvent& a = kv_events[i];
    const KvEvent& b = o.kv_events[i];
    if (a.slot != b.slot || a.kind != b.kind || a.blocks != b.blocks) return false;
  }
  return true;
}

std::string encode_stage_batch(const StageBatch& b) {
  std::string out;
  out.reserve(8 * (6 + 4 * b.seqs.size() + 3 * b.kv_events.size()));
  put(out, b.sequence);
  put(out, b.step);
  put(out, b.stop ? 1 : 0);
  put(out, b.swap_out_blocks);
  put(out, b.swap_in_blocks);
  put(out, static_cast<std::int64_t>(b.seqs.size()));
  for (const core::ServingSeq& s : b.seqs) {
    put(out, s.q_tokens);
    put(out, s.context_before);
    put(out, (s.decode ? 1 : 0) | (s.final_chunk ? 2 : 0));
    put(out, s.prompt_tokens);
  }
  put(out, static_cast<std::int64_t>(b.kv_events.size()));
  for (const KvEvent& e : b.kv_events) {
    put(out, static_cast<std::int64_t>(e.slot));
    put(out, e.kind == KvEvent::Kind::grow ? 0 : 1);
    put(out, e.blocks);
  }
  return out;
}

StageBatch decode_stage_batch(const std::string& payload) {
  Reader r(payload);
  StageBatch b;
  b.sequence = r.next();
  b.step = r.next();
  b.stop = r.next() != 0;
  b.swap_out_blocks = r.next();
  b.swap_in_blocks = r.next();
  const std::int64_t seqs = r.next();
  if (seqs < 0) throw std::logic_error("serving stage message: negative sequence count");
  b.seqs.resize(static_cast<std::size_t>(seqs));
  for (core::ServingSeq& s : b.seqs) {
    s.q_tokens = r.next();
    s.context_before = r.next();
    const std::int64_t flags = r.next();
    s.decode = (flags & 1) != 0;
    s.final_chunk = (flags & 2) != 0;
    s.prompt_tokens = r.next();
  }
  const std::int64_t events = r.next();
  if (events < 0) throw std::logic_error("serving stage message: negative event count");
  b.kv_events.resize(static_cast<std::size_t>(events));
  for (KvEvent& e : b.kv_events) {
    e.slot = static_cast<std::size_t>(r.next());
    e.kind = r.next() == 0 ? KvEvent::Kind::grow : KvEvent::Kind::release;
    e.blocks = r.next();
  }
  if (!r.done()) throw std::logic_error("serving stage message: trailing bytes");
  return b;
}

}  // namespace lcperf::schedulers::serving

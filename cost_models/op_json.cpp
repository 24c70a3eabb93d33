#include "cost_models/op_json.hpp"

#include <type_traits>
#include <variant>

#include "core/dtype.hpp"
#include "cost_models/detail/op_json_detail.hpp"
#include "cost_models/op_checks.hpp"

namespace lcperf::cost {

namespace detail {

namespace {

core::DType read_dtype(ObjectReader& r, core::DType fallback) {
  if (!r.has("dtype")) return fallback;
  const std::string text = r.string("dtype");
  const auto dtype = core::parse_dtype(text);
  if (!dtype) r.fail_at("dtype", "unknown dtype \"" + text + "\" (fp32, bf16, fp16, fp8, int32, int64)");
  return *dtype;
}

core::GemmShape read_gemm(ObjectReader& r) {
  core::GemmShape g;
  g.m = r.integer("m");
  g.n = r.integer("n");
  g.k = r.integer("k");
  g.batch = r.integer_or("batch", 1);
  g.dtype = read_dtype(r, core::DType::bf16);
  return g;
}

std::vector<core::AttentionSeq> read_seqs(ObjectReader& r) {
  std::vector<core::AttentionSeq> seqs;
  if (r.has("seqs")) {
    // A packed batch: [[q_len, kv_len], ...] or [{"q_len": .., "kv_len": ..}, ...].
    const Json& list = r.value("seqs");
    const std::string path = r.path_of("seqs");
    if (!list.is_array()) fail(r.origin(), path, "expected an array of [q_len, kv_len] pairs");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Json& item = list[i];
      const std::string item_path = index_path(path, i);
      if (item.is_array()) {
        if (item.size() != 2) fail(r.origin(), item_path, "expected [q_len, kv_len]");
        seqs.push_back({expect_integer(item[0], item_path + "[0]", r.origin()),
                        expect_integer(item[1], item_path + "[1]", r.origin())});
        continue;
      }
      ObjectReader s(item, item_path, r.origin());
      const std::int64_t q = s.integer("q_len");
      seqs.push_back({q, s.integer_or("kv_len", q)});
      s.finish();
    }
    return seqs;
  }
  // Shorthand: `batch` identical sequences.
  const std::int64_t q = r.integer("q_len");
  const std::int64_t kv = r.integer_or("kv_len", q);
  const std::int64_t batch = r.integer_or("batch", 1);
  if (batch < 0) r.fail_at("batch", "must be >= 0");
  seqs.assign(static_cast<std::size_t>(batch), core::AttentionSeq{q, kv});
  return seqs;
}

// `op` is "attention" (flags read from the object) or one of the three class names
// (flags implied by the name, not accepted as keys).
core::AttentionShape read_attention(ObjectReader& r, const std::string& op) {
  core::AttentionShape a;
  a.seqs = read_seqs(r);
  a.heads_q = static_cast<int>(r.integer("heads_q"));
  a.heads_kv = static_cast<int>(r.integer_or("heads_kv", a.heads_q));
  a.head_dim = static_cast<int>(r.integer("head_dim"));
  const std::string mask = r.string_or("mask", "causal");
  if (mask == "causal") {
    a.mask = core::AttentionMask::causal;
  } else if (mask == "full") {
    a.mask = core::AttentionMask::full;
  } else {
    r.fail_at("mask", "expected \"causal\" or \"full\"");
  }
  if (op == "attention") {
    a.backward = r.boolean_or("backward", false);
    a.paged_decode = r.boolean_or("paged_decode", false);
  } else {
    a.backward = op == "attention_bwd";
    a.paged_decode = op == "attention_decode";
  }
  a.density = r.number_or("density", 1.0);
  a.dca_partials = static_cast<int>(r.integer_or("dca_partials", 1));
  a.dtype = read_dtype(r, core::DType::bf16);
  return a;
}

core::ElementwiseShape read_elementwise(ObjectReader& r) {
  core::ElementwiseShape e;
  e.kind = r.string("kind");
  e.elements = r.integer("elements");
  e.flops_per_element = r.number_or("flops_per_element", 1.0);
  e.bytes_per_element = r.number_or("bytes_per_element", 4.0);
  return e;
}

// A device-to-device copy of `bytes`: each byte is read once and written once.
core::ElementwiseShape read_memcpy(ObjectReader& r) {
  core::ElementwiseShape e;
  e.kind = "memcpy";
  e.elements = r.integer("bytes");
  e.flops_per_element = 0.0;
  e.bytes_per_element = 2.0;
  return e;
}

core::SpmmShape read_spmm(ObjectReader& r) {
  core::SpmmShape s;
  s.m = r.integer("m");
  s.n = r.integer("n");
  s.k = r.integer("k");
  s.sparsity = r.number("sparsity");
  s.dtype = read_dtype(r, core::DType::fp16);
  return s;
}

core::CollectiveShape read_collective(ObjectReader& r) {
  core::CollectiveShape c;
  const std::string kind = r.string("kind");
  bool known = false;
  for (core::CollectiveKind k : {core::CollectiveKind::all_reduce, core::CollectiveKind::all_gather,
                                 core::CollectiveKind::reduce_scatter, core::CollectiveKind::broadcast,
                                 core::CollectiveKind::reduce, core::CollectiveKind::all_to_all}) {
    if (core::to_string(k) == kind) {
      c.kind = k;
      known = true;
    }
  }
  if (!known) {
    r.fail_at("kind", "unknown collective (all_reduce, all_gather, reduce_scatter, broadcast, reduce, all_to_all)");
  }
  c.bytes = r.integer("bytes");
  c.ranks = static_cast<int>(r.integer("ranks"));
  c.nodes = static_cast<int>(r.integer_or("nodes", 1));
  return c;
}

std::string default_op_name(OpClass op_class) {
  return std::string(to_string(op_class));
}

}  // namespace

core::OpPart op_from_json(const Json& value, const std::string& path, const std::string& origin,
                          std::optional<OpClass> implied) {
  ObjectReader r(value, path, origin);
  std::string op;
  if (r.has("op")) {
    op = r.string("op");
  } else if (implied) {
    op = default_op_name(*implied);
  } else {
    r.value("op");  // reports the missing key
  }

  core::OpPart part;
  if (op == "gemm") {
    part = read_gemm(r);
  } else if (op == "attention" || op == "attention_fwd" || op == "attention_bwd" || op == "attention_decode") {
    part = read_attention(r, op);
  } else if (op == "elementwise") {
    part = read_elementwise(r);
  } else if (op == "memcpy") {
    part = read_memcpy(r);
  } else if (op == "spmm") {
    part = read_spmm(r);
  } else if (op == "collective") {
    part = read_collective(r);
  } else {
    r.fail_at("op",
              "unknown op \"" + op +
                  "\" (gemm, attention, attention_fwd, attention_bwd, attention_decode, elementwise, memcpy, spmm, "
                  "collective)");
  }
  r.finish();

  if (implied && op_class_of(part) != implied) {
    fail(origin, path, "op is not of class " + std::string(to_string(*implied)) + ", the table it is listed in");
  }
  if (const auto problem = op_part_problem(part)) fail(origin, path, *problem);
  return part;
}

Json op_to_json(const core::OpPart& part, bool with_op_name) {
  Json j = Json::object();
  std::visit(
      [&j](const auto& shape) {
        using T = std::decay_t<decltype(shape)>;
        if constexpr (std::is_same_v<T, core::GemmShape>) {
          j = {{"op", "gemm"}, {"m", shape.m}, {"n", shape.n}, {"k", shape.k}, {"batch", shape.batch},
               {"dtype", std::string(core::to_string(shape.dtype))}};
        } else if constexpr (std::is_same_v<T, core::AttentionShape>) {
          Json seqs = Json::array();
          for (const core::AttentionSeq& s : shape.seqs) seqs.push_back({s.q_len, s.kv_len});
          j = {{"op", "attention"},
               {"seqs", seqs},
               {"heads_q", shape.heads_q},
               {"heads_kv", shape.heads_kv},
               {"head_dim", shape.head_dim},
               {"mask", shape.mask == core::AttentionMask::causal ? "causal" : "full"},
               {"backward", shape.backward},
               {"paged_decode", shape.paged_decode},
               {"density", shape.density},
               {"dca_partials", shape.dca_partials},
               {"dtype", std::string(core::to_string(shape.dtype))}};
        } else if constexpr (std::is_same_v<T, core::ElementwiseShape>) {
          if (is_memcpy(shape) && shape.flops_per_element == 0.0 && shape.bytes_per_element == 2.0) {
            j = {{"op", "memcpy"}, {"bytes", shape.elements}};
          } else {
            j = {{"op", "elementwise"},
                 {"kind", shape.kind},
                 {"elements", shape.elements},
                 {"flops_per_element", shape.flops_per_element},
                 {"bytes_per_element", shape.bytes_per_element}};
          }
        } else if constexpr (std::is_same_v<T, core::SpmmShape>) {
          j = {{"op", "spmm"}, {"m", shape.m},
               {"n", shape.n}, {"k", shape.k},
               {"sparsity", shape.sparsity}, {"dtype", std::string(core::to_string(shape.dtype))}};
        } else {
          j = {{"op", "collective"},
               {"kind", std::string(core::to_string(shape.kind))},
               {"bytes", shape.bytes},
               {"ranks", shape.ranks},
               {"nodes", shape.nodes}};
        }
      },
      part);
  // Inside a class table the class is implied; "attention" with flags stays explicit
  // because its flags must agree with the class anyway.
  if (!with_op_name && j.at("op") != "attention") j.erase("op");
  return j;
}

}  // namespace detail

core::OpPart parse_op_json(std::string_view json_text, const std::string& origin) {
  const detail::Json j = detail::parse_json_text(json_text, origin);
  return detail::op_from_json(j, "$", origin);
}

std::string op_to_json_text(const core::OpPart& part) { return detail::op_to_json(part).dump(); }

}  // namespace lcperf::cost

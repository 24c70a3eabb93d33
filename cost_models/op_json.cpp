#include "cost_models/op_json.hpp"

#include <type_traits>
#include <variant>

#include "core/dtype.hpp"
#include "core/json_location.hpp"
#include "cost_models/detail/op_json_detail.hpp"
#include "cost_models/op_checks.hpp"

namespace lcperf::cost {

namespace detail {

namespace {

using Json = nlohmann::json;

core::DType read_dtype(core::ObjectReader& r, core::DType fallback) {
  if (r.find("dtype") == nullptr) return fallback;
  const std::string text = r.string("dtype");
  const auto dtype = core::parse_dtype(text);
  if (!dtype) r.fail("dtype", "unknown dtype \"" + text + "\" (fp32, bf16, fp16, fp8, int32, int64)");
  return *dtype;
}

core::GemmShape read_gemm(core::ObjectReader& r) {
  core::GemmShape g;
  g.m = r.integer("m");
  g.n = r.integer("n");
  g.k = r.integer("k");
  g.batch = r.integer_or("batch", 1);
  g.dtype = read_dtype(r, core::DType::bf16);
  g.accumulate_bytes = static_cast<int>(r.integer_or("accumulate_bytes", 0, core::Range::non_negative().at_most(8)));
  return g;
}

std::vector<core::AttentionSeq> read_seqs(core::ObjectReader& r) {
  std::vector<core::AttentionSeq> seqs;
  if (const Json* list = r.find("seqs")) {
    // A packed batch: [[q_len, kv_len], ...] or [{"q_len": .., "kv_len": ..}, ...].
    const std::string path = r.path_of("seqs");
    if (!list->is_array()) {
      core::throw_at(r.origin(), path,
                     "expected an array of [q_len, kv_len] pairs, got " + core::describe_json(*list));
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      const std::string item_path = core::index_path(path, i);
      if (item.is_array()) {
        if (item.size() != 2) core::throw_at(r.origin(), item_path, "expected [q_len, kv_len]");
        seqs.push_back({integer_at(item[0], r.origin(), item_path + "[0]"),
                        integer_at(item[1], r.origin(), item_path + "[1]")});
        continue;
      }
      core::ObjectReader s(item, r.origin(), item_path);
      const std::int64_t q = s.integer("q_len");
      seqs.push_back({q, s.integer_or("kv_len", q)});
      s.finish();
    }
    return seqs;
  }
  // Shorthand: `batch` identical sequences.
  const std::int64_t q = r.integer("q_len");
  const std::int64_t kv = r.integer_or("kv_len", q);
  const std::int64_t batch = r.integer_or("batch", 1, core::Range::non_negative());
  seqs.assign(static_cast<std::size_t>(batch), core::AttentionSeq{q, kv});
  return seqs;
}

// `op` is "attention" (flags read from the object) or one of the three class names
// (flags implied by the name, not accepted as keys).
core::AttentionShape read_attention(core::ObjectReader& r, const std::string& op) {
  core::AttentionShape a;
  a.seqs = read_seqs(r);
  a.heads_q = r.int32("heads_q");
  a.heads_kv = r.int32_or("heads_kv", a.heads_q);
  a.head_dim = r.int32("head_dim");
  const std::string mask = r.choice_or("mask", "causal", {"causal", "full"});
  a.mask = mask == "causal" ? core::AttentionMask::causal : core::AttentionMask::full;
  if (op == "attention") {
    a.backward = r.boolean_or("backward", false);
    a.paged_decode = r.boolean_or("paged_decode", false);
  } else {
    a.backward = op == "attention_bwd";
    a.paged_decode = op == "attention_decode";
  }
  a.density = r.number_or("density", 1.0);
  a.dca_partials = r.int32_or("dca_partials", 1);
  a.sparse_block = r.int32_or("sparse_block", 0);
  a.gathered_fraction = r.number_or("gathered_fraction", 0.0);
  a.dtype = read_dtype(r, core::DType::bf16);
  return a;
}

core::ElementwiseShape read_elementwise(core::ObjectReader& r) {
  core::ElementwiseShape e;
  e.kind = r.string("kind");
  e.elements = r.integer("elements");
  e.flops_per_element = r.number_or("flops_per_element", 1.0);
  e.bytes_per_element = r.number_or("bytes_per_element", 4.0);
  return e;
}

// A device-to-device copy of `bytes`: each byte is read once and written once.
core::ElementwiseShape read_memcpy(core::ObjectReader& r) {
  core::ElementwiseShape e;
  e.kind = "memcpy";
  e.elements = r.integer("bytes");
  e.flops_per_element = 0.0;
  e.bytes_per_element = 2.0;
  return e;
}

core::SpmmShape read_spmm(core::ObjectReader& r) {
  core::SpmmShape s;
  s.m = r.integer("m");
  s.n = r.integer("n");
  s.k = r.integer("k");
  s.sparsity = r.number("sparsity");
  s.dtype = read_dtype(r, core::DType::fp16);
  return s;
}

core::CollectiveShape read_collective(core::ObjectReader& r) {
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
    r.fail("kind", "unknown collective (all_reduce, all_gather, reduce_scatter, broadcast, reduce, all_to_all)");
  }
  c.bytes = r.integer("bytes");
  c.ranks = r.int32("ranks");
  c.nodes = r.int32_or("nodes", 1);
  return c;
}

}  // namespace

core::OpPart op_from_json(core::ObjectReader& r, std::optional<OpClass> implied) {
  const std::string op = implied ? r.string_or("op", std::string(to_string(*implied))) : r.string("op");

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
    r.fail("op",
           "unknown op \"" + op +
               "\" (gemm, attention, attention_fwd, attention_bwd, attention_decode, elementwise, memcpy, spmm, "
               "collective)");
  }
  r.finish();

  if (implied && op_class_of(part) != implied) {
    r.fail_here("op is not of class " + std::string(to_string(*implied)) + ", the table it is listed in");
  }
  if (const auto problem = op_part_problem(part)) r.fail_here(*problem);
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
          if (shape.accumulate_bytes > 0) j["accumulate_bytes"] = shape.accumulate_bytes;
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
          if (shape.sparse_block > 0) {
            j["sparse_block"] = shape.sparse_block;
            j["gathered_fraction"] = shape.gathered_fraction;
          }
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
  const nlohmann::json j = core::parse_json(json_text, origin);
  core::ObjectReader r(j, origin);
  return detail::op_from_json(r);
}

std::string op_to_json_text(const core::OpPart& part) { return detail::op_to_json(part).dump(); }

}  // namespace lcperf::cost

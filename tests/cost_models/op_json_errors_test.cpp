// Op JSON (`lcperf cost --op`) errors: each names the JSON path, or line:column for
// malformed text, and the rule broken.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "core/errors.hpp"
#include "cost_models/op_json.hpp"

namespace lcperf::cost {
namespace {

// The InputError message parse_op_json raises for `text`, or "" if none.
std::string op_error(const std::string& text) {
  try {
    parse_op_json(text);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CostOpJsonErrors, MalformedTextNamesLineAndColumn) {
  EXPECT_EQ(op_error("{\"op\": \"gemm\",\n \"m\": }").rfind("--op:2:7: malformed JSON", 0), 0u)
      << op_error("{\"op\": \"gemm\",\n \"m\": }");
}

TEST(CostOpJsonErrors, UnknownKeyNamesItsObjectAndSuggests) {
  const std::string message = op_error(R"({"op":"gemm","m":1,"n":1,"k":1,"mm":2})");
  EXPECT_EQ(message.rfind("--op: unknown key 'mm' at $ (allowed: ", 0), 0u) << message;
  EXPECT_NE(message.find("did you mean 'm'?"), std::string::npos) << message;
}

TEST(CostOpJsonErrors, MissingOpAndUnknownOp) {
  EXPECT_EQ(op_error(R"({"m":1,"n":1,"k":1})").rfind("--op: $: missing required key 'op'", 0), 0u);
  EXPECT_EQ(op_error(R"({"op":"conv"})").rfind("--op: $.op: unknown op \"conv\"", 0), 0u);
}

TEST(CostOpJsonErrors, WrongTypesNameThePath) {
  EXPECT_EQ(op_error(R"({"op":"gemm","m":"big","n":1,"k":1})"), "--op: $.m: expected an integer, got string \"big\"");
  EXPECT_EQ(op_error(R"({"op":"attention","seqs":[[8,"x"]],"heads_q":8,"head_dim":64})"),
            "--op: $.seqs[0][1]: expected an integer, got string \"x\"");
  EXPECT_EQ(op_error(R"({"op":"attention","seqs":[{"q_len":8,"kv":9}],"heads_q":8,"head_dim":64})")
                .rfind("--op: unknown key 'kv' at $.seqs[0] (allowed: q_len, kv_len", 0),
            0u);
  EXPECT_EQ(op_error(R"({"op":"attention","q_len":8,"heads_q":8,"head_dim":64,"mask":"sliding"})"),
            "--op: $.mask: 'sliding' is not one of: causal, full");
  EXPECT_EQ(op_error(R"({"op":"gemm","m":1,"n":1,"k":1,"dtype":"bf17"})").rfind("--op: $.dtype: unknown dtype", 0),
            0u);
}

TEST(CostOpJsonErrors, ShapeRulesNameTheOp) {
  EXPECT_EQ(op_error(R"({"op":"spmm","m":8,"n":8,"k":8,"sparsity":1.0})").rfind("--op: $: ", 0), 0u);
  EXPECT_EQ(op_error(R"({"op":"attention","q_len":8,"batch":-1,"heads_q":8,"head_dim":64})"),
            "--op: $.batch: must not be negative (got -1)");
}

TEST(CostOpJsonErrors, AccumulatedGemmOutputReadsBackAndIsRangeChecked) {
  const core::OpPart wgrad = parse_op_json(R"({"op":"gemm","m":8,"n":8,"k":8,"accumulate_bytes":4})");
  EXPECT_EQ(std::get<core::GemmShape>(wgrad).accumulate_bytes, 4);
  EXPECT_EQ(parse_op_json(op_to_json_text(wgrad)), wgrad);
  // A plain GEMM writes no key, so its JSON is what it was before the field.
  EXPECT_EQ(op_to_json_text(parse_op_json(R"({"op":"gemm","m":8,"n":8,"k":8})")).find("accumulate"),
            std::string::npos);
  EXPECT_NE(op_error(R"({"op":"gemm","m":8,"n":8,"k":8,"accumulate_bytes":16})").find("$.accumulate_bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace lcperf::cost

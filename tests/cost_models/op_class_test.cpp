#include <gtest/gtest.h>

#include "cost_models/op_class.hpp"

namespace lcperf::cost {
namespace {

// op_class_of maps the part's alternative directly; it must agree with the class
// core names for the part, read back through parse_op_class.
TEST(OpClass, EveryComputedPartHasTheClassCoreNamesForIt) {
  core::AttentionShape forward;
  forward.seqs = {{128, 128}};
  core::AttentionShape backward = forward;
  backward.backward = true;
  core::AttentionShape decode = forward;
  decode.paged_decode = true;
  const std::vector<core::OpPart> parts = {
      core::GemmShape{64, 128, 256, 1, core::DType::bf16},
      core::SpmmShape{64, 128, 256, 0.8, core::DType::fp16},
      forward,
      backward,
      decode,
  };
  for (const core::OpPart& part : parts) {
    const std::optional<OpClass> named = parse_op_class(core::op_class_name(part));
    ASSERT_TRUE(named.has_value()) << core::op_class_name(part);
    EXPECT_EQ(op_class_of(part), named) << core::op_class_name(part);
  }
}

TEST(OpClass, ElementwiseCopiesAreMemcpyAndCollectivesHaveNoClass) {
  EXPECT_EQ(op_class_of(core::ElementwiseShape{"memcpy", 10, 0.0, 2.0}), OpClass::memcpy);
  EXPECT_EQ(op_class_of(core::ElementwiseShape{"copy", 10, 0.0, 2.0}), OpClass::memcpy);
  EXPECT_EQ(op_class_of(core::ElementwiseShape{"add", 10, 1.0, 6.0}), OpClass::elementwise);
  EXPECT_EQ(op_class_of(core::CollectiveShape{}), std::nullopt);
}

}  // namespace
}  // namespace lcperf::cost

#pragma once
// Internal to cost_models: the price cache's memory of the last op it priced part by
// part. Consecutive serving steps share most of their parts position by position (the
// same GEMMs and norms while the token count holds; only the attention parts change as
// contexts grow), and an op without a compact repeat holds its layer's parts once per
// layer. So a part is first compared with the part at its position in the previous op;
// one that changed is compared with the part one layer earlier in this op (the layer's
// length is learnt from the first repeat found), and only the rest are priced by the
// caller's function (the cache's hashed store).
#include <array>
#include <cstddef>
#include <functional>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/price.hpp"

namespace lcperf::cost::detail {

class PricesByPosition {
 public:
  using PartPrice = std::function<Price(const core::OpPart&)>;

  // The price of each of the op's parts, in order (valid until the next call).
  const std::vector<Price>& prices(const core::KernelOp& op, const PartPrice& price_of);

 private:
  // The price of `part` at position i, which differs from the previous op's part there.
  // Positions before i already hold this op's parts and prices.
  Price changed(const core::OpPart& part, std::size_t i, std::size_t& period, const PartPrice& price_of);

  std::vector<core::OpPart> previous_;  // the last op's parts (this op's, up to the current position)
  std::vector<Price> priced_;
  std::array<std::size_t, 16> fresh_{};  // first positions of this op priced anew, to find the layer length
  std::size_t fresh_count_ = 0;
};

}  // namespace lcperf::cost::detail

#pragma once
// Internal to cost_models: the price cache's memory of recent ops it priced part by part.
// Consecutive serving steps share most of their parts position by position (the same
// GEMMs and norms while the token count holds; only the attention parts change as
// contexts grow), and an op without a compact repeat holds its layer's parts once per
// layer. So a part is first compared with the part at its position in the last op of
// the same layout; one that changed is compared with the part one layer earlier in this
// op (the layer's length is learnt from the first repeat found), and only the rest are
// priced by the caller's function (the cache's hashed store).
//
// Many layouts are remembered, not one: a serving batch changes size at every arrival
// and finish and goes back and forth between sizes, and a prefill chunk's token count
// recurs over a trace; without a memory of each such step would look all its parts up
// in the hashed store. An op's layout is told by its part count and its first and last
// parts (for a serving step: the tokens and the sampled rows), and picks its place in a
// direct-mapped table; a wrong guess or a layout pushed out costs only position
// matches, never a price.
#include <array>
#include <cstddef>
#include <cstdint>
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
  struct Layout {
    std::vector<core::OpPart> parts;  // the last op placed here (this op's, up to the current position)
    std::vector<Price> priced;
  };
  static constexpr std::size_t kLayouts = 256;  // a power of two

  // The place of `op`'s layout.
  Layout& layout_of(const core::KernelOp& op);
  // The price of `part` at position i, which differs from the remembered op's part there.
  // Positions before i already hold this op's parts and prices.
  Price changed(Layout& l, const core::OpPart& part, std::size_t i, std::size_t& period, const PartPrice& price_of);

  std::vector<Layout> layouts_ = std::vector<Layout>(kLayouts);
  std::array<std::size_t, 16> fresh_{};  // first positions of this op priced anew, to find the layer length
  std::size_t fresh_count_ = 0;
};

}  // namespace lcperf::cost::detail

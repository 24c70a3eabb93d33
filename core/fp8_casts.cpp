// FP8 scaling and cast work in front of FP8 GEMMs; see fp8_casts.hpp.
#include "core/fp8_casts.hpp"

namespace lcperf::core {

void append_fp8_cast(std::vector<OpPart>& parts, std::int64_t elements, Fp8Recipe recipe) {
  if (recipe == Fp8Recipe::current) parts.push_back(ElementwiseShape{"fp8_amax", elements, 1, kFp8AmaxBytesPerElement});
  // Per element: |x| into the running amax, the scale multiply, the conversion.
  parts.push_back(ElementwiseShape{"fp8_cast_transpose", elements, 3, kFp8CastBytesPerElement});
}

}  // namespace lcperf::core

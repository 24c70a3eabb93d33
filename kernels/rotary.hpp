#pragma once
// Rotary position embedding (rotate-half / GPT-NeoX pairing, as Llama and Qwen use):
// dimension i pairs with i + head_dim/2 and both rotate by angle
// position * theta^(-2i / head_dim). Positions are explicit per token so remapped
// positions (DCA) use the same code. x and out: [tokens, heads, head_dim]; out may be x.
#include <cstdint>

namespace lcperf::kernels {

void rotary_cpu(std::int64_t tokens, int heads, int head_dim, const std::int64_t* positions, double theta,
                const float* x, float* out);

}  // namespace lcperf::kernels

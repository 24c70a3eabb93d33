#pragma once
// The live CPU implementation of the runtime seam (core/runtime.hpp): every rank is a
// thread with real buffers, every (rank, stream) an in-order work queue with a worker
// thread of its own (so a rank's compute overlaps its communication), p2p and
// collectives move and reduce real bytes through shared memory, kernels run the CPU
// reference kernels (op_executor.hpp). Times are measured with the steady clock,
// relative to one start shared by all ranks, and written as the same records the
// simulator writes (core/records.hpp), so the two can be compared op by op.
#include <cstddef>
#include <span>

#include "backends/live_input.hpp"
#include "core/runtime.hpp"

namespace lcperf::backends::cpu {

// The bytes behind a live tensor, for code that knows it runs on this backend (tests,
// the tiny model): `runtime` must be the runtime run_live handed to the rank program.
// Throws std::logic_error otherwise or when the tensor was released.
std::span<std::byte> live_buffer(core::Runtime& runtime, const core::Tensor& tensor);

// Runs one program per rank to completion. Throws LiveDeadlockError on deadlock and
// std::runtime_error("rank R: ...") when a program throws.
LiveResult run_live(const LiveInput& input);

}  // namespace lcperf::backends::cpu

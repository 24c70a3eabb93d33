#pragma once
// A fixed piece of CPU work timed to tell how fast the host runs right now. Shared
// machines change speed from one minute to the next (a neighbour on the same physical
// core, frequency limits): a kernel profile taken in a slow minute and a live run in a
// fast one disagree by that factor whatever the simulator does. Probing next to both
// lets `lcperf validate` compare them at one speed (cost_models/README.md, "Host speed").
namespace lcperf::kernels {

// Runs the probe (a 128x128x128 GEMM and a 64x1024 RMSNorm, repeated) on `threads`
// threads at once, as many as the ranks that share the cores; returns the mean over the
// threads of each thread's median time of one probe. About 2 ms per call.
double host_speed_probe_s(int threads);

}  // namespace lcperf::kernels

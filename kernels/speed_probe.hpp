#pragma once
// A fixed piece of CPU work timed to tell how fast the host runs right now. Shared
// machines change speed from one minute to the next (a neighbour on the same physical
// core, frequency limits): a kernel profile taken in a slow minute and a live run in a
// fast one disagree by that factor whatever the simulator does. Probing next to both
// lets `lcperf validate` compare them at one speed (cost_models/README.md, "Host speed").
namespace lcperf::kernels {

// Runs the probe (a 256x256x256 GEMM and a 64x1024 RMSNorm, median of 5) on `threads`
// threads at once, as many as the ranks that share the cores; returns the mean over the
// threads of each thread's median time of one probe. About 10 ms per call.
//
// Seen on the 2-core development VM: a slow spell makes one core's GEMMs 2x slower for
// some seconds while the other core keeps its speed (memory-bound work slows far less),
// so the probe runs on every core the measured work uses.
double host_speed_probe_s(int threads);

}  // namespace lcperf::kernels

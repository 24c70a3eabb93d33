#pragma once
// A device profile for a GPU without measurements, derived from a measured one by the
// ratios of their datasheet figures (cost_models/README.md, "Derived profiles"). The
// cost model already divides by each GPU's own peaks (hardware file), so keeping an
// efficiency curve as it is IS the ratio rule: a kernel's time scales by the source's
// peak over the target's, compute and memory terms each by their own ratio. What the
// derivation does explicitly:
// - the measured classes (GEMM, element-wise) and the collective section are copied
//   from the measured profile; attention and memcpy stay the target base's, whose own
//   anchors are at least as good as the source's guesses; SpMM stays the base's too,
//   rescaled like the dense GEMM (spmm_follows_gemm.hpp);
// - element-wise table points hold absolute times, so each is scaled by the ratio of
//   the target's roofline time to the source's for its shape, but not below its kind's
//   time at the smallest measured size (launch and tail latency do not shrink with
//   bandwidth);
// - the collective section's efficiencies are fractions of the target's own NVLink and
//   NIC bandwidths; its latencies are kept.
#include "core/hardware_spec.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

// `date` goes into the provenance; `measured` must be a measured profile (InputError
// otherwise) whose hardware `measured_hw` is.
DeviceProfile derive_device_profile(const DeviceProfile& measured, const core::HardwareSpec& measured_hw,
                                    const DeviceProfile& target_base, const core::HardwareSpec& target_hw,
                                    const std::string& date);

}  // namespace lcperf::cost

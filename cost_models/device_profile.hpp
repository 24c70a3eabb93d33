#pragma once
// A device profile: how close one GPU model gets to its datasheet peaks, per op class,
// plus its collective constants. Shipped profiles in cost_models/devices/ start from
// datasheets and published kernel anchors; `lcperf calibrate` replaces them with
// measurements. The JSON format is documented in cost_models/README.md.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/collective_profile.hpp"
#include "cost_models/efficiency_curve.hpp"
#include "cost_models/gemm_tile_model.hpp"
#include "cost_models/op_class.hpp"

namespace lcperf::cost {

inline constexpr int kDeviceProfileFormatVersion = 1;

// Where the measurements behind a calibrated profile came from (tables imported by
// `lcperf calibrate`, e.g. Vidur's; cost_models/measured/).
struct MeasuredData {
  std::string name;     // the data set and its licence
  std::string commit;   // of the repository the data was taken from
  std::string path;     // where the copy lives in this repository
  std::string gpu;      // the data's folder for this GPU
  std::string network;  // the collective tables' setup; empty when none were fitted
};

// |model - measured| / measured over rows the fit never saw.
struct ErrorFigures {
  std::int64_t rows = 0;
  double median = 0;
  double p90 = 0;  // nearest rank
};

// The check that travels with a measured profile: a whole model family held out of
// the fit (collectives: one size in five), and the errors of this file on it per group
// (gemm, norm, rotary, activation, add, embedding, all_reduce, send_recv).
struct HeldOutCheck {
  std::string family;
  std::map<std::string, ErrorFigures> errors;
};

// A profile derived from a measured one by ratios of datasheet figures.
struct Derivation {
  std::string from;                      // the measured profile's hardware id
  std::map<std::string, double> ratios;  // target / source: "peak_bf16_flops", "hbm_bandwidth", ...
};

struct Provenance {
  std::string source;  // "datasheet+published anchors", "measured" or "derived"
  std::string date;    // ISO date the numbers were produced
  std::string driver;  // empty when not measured
  std::string cuda;
  std::map<std::string, std::string> libraries;  // e.g. {"cublas": "13.0.0", "cudnn": "9.19.1"}
  // CPU profiles: the host speed probe (kernels/speed_probe.hpp) the measured times were
  // scaled to; `lcperf validate` scales live runs to it. 0 = not probed.
  double host_speed_probe_s = 0;
  std::optional<MeasuredData> data;          // measured and derived profiles
  std::optional<HeldOutCheck> held_out;      // measured profiles
  std::optional<Derivation> derived_from;    // derived profiles
};

// One measured kernel: the op that ran and its median time.
struct MeasuredPoint {
  core::OpPart shape;
  double time_s = 0;
};

// Flash-LLM style SpMM (load as sparse, compute as dense): every thread block zero-fills
// its dense A tile in shared memory, scatters the Tiled-CSL non-zeros into it and reads
// it back with ldmatrix, once per N tile it computes. That shared-memory traffic is a
// third roofline term beside HBM and tensor cores (flash-llm.md section 6).
//
// With `sm_count` > 0 the kernel's pipeline is priced as well (cost_models/spmm_pipeline.hpp):
// thread-block waves, Split-K and its reduction, tile load imbalance and the part of the
// extraction that cannot overlap the memory stream. 0 keeps the ideal max of the terms.
struct SpmmExtraction {
  double smem_bytes_per_s = 0;       // achievable aggregate shared-memory bandwidth; 0 = ignore the term
  double bank_conflict_factor = 1;   // >= 1: extra cost of the 16-bit scattered stores
  std::int64_t n_tile = 128;         // columns of the dense operand one thread block covers
  int sm_count = 0;                  // streaming multiprocessors; 0 = ideal overlap, no waves
  int blocks_per_sm = 2;             // resident SpMM thread blocks per SM (shared-memory bound)
};

struct OpClassProfile {
  EfficiencyCurve compute_efficiency;
  // Attention classes only: efficiency without a causal mask. Causal kernels waste part
  // of their diagonal tiles, so at short lengths they run well below the full-mask rate.
  std::optional<EfficiencyCurve> compute_efficiency_full_mask;
  EfficiencyCurve memory_efficiency;
  double min_latency_s = 0;
  std::vector<MeasuredPoint> table;  // optional measured points, used before the roofline
  SpmmExtraction extraction;         // spmm only
  // gemm only: when set, GEMMs are priced by tiles, waves and split-K up to the measured
  // size and hand over to compute_efficiency beyond it (gemm_tile_model.hpp).
  std::optional<GemmTileModel> tile_model;
};

struct DeviceProfile {
  int format_version = kDeviceProfileFormatVersion;
  std::string device;    // human-readable GPU name
  std::string hardware;  // hardware id this profile was made for ("h200")
  std::string notes;     // where the numbers come from
  Provenance provenance;
  std::array<OpClassProfile, kAllOpClasses.size()> classes{};
  CollectiveProfile collective;
  std::string origin;  // file it was loaded from; not serialized

  const OpClassProfile& of(OpClass op_class) const { return classes[index_of(op_class)]; }
  OpClassProfile& of(OpClass op_class) { return classes[index_of(op_class)]; }
};

// Strict parse: unknown keys, wrong types and out-of-range values raise core::InputError
// naming `origin` and the JSON path; malformed JSON names origin:line:column.
DeviceProfile parse_device_profile(std::string_view json_text, const std::string& origin);

// `id_or_path` is a file path if such a file exists; otherwise a profile id looked up as
// <dir>/<id>.json with dir = $LCPERF_DEVICE_DIR, else cost_models/devices under core::data_root().
DeviceProfile load_device_profile(const std::string& id_or_path);

// The directory load_device_profile() searches, and the ids found there (sorted).
std::string device_profile_dir();
std::vector<std::string> available_device_profiles();

// Pretty-printed JSON that parse_device_profile() reads back to an equal profile.
std::string device_profile_to_json(const DeviceProfile& profile);

}  // namespace lcperf::cost

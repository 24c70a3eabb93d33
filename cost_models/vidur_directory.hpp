#pragma once
// Vidur's profiling folder read as calibration input: the compute tables of one GPU
// (DIR/compute/<gpu>/<org>/<model>/mlp.csv) become kernel-profile rows, one per op and
// table row, priced as the lcperf part the op is (vidur_op_map.hpp), each remembering
// its model family (<org>) so a whole family can be held out of the fit; the network
// tables of one setup (DIR/network/<setup>/{all_reduce,send_recv}.csv) are read as
// they are. Files are visited in sorted order, so the rows are deterministic.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cost_models/calibration_profile.hpp"
#include "cost_models/collective_fit.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

// Where one kernel-profile row came from.
struct MeasuredRowSource {
  std::string family;  // <org> folder: meta-llama, Qwen, codellama, internlm, microsoft
  std::string model;   // <model> folder
  std::string group;   // gemm, norm, rotary, activation, add, embedding (vidur_op_map.hpp)
  std::string file;
  std::size_t line = 0;
};

struct MeasuredKernels {
  KernelProfile profile;                   // backend "vidur", one row per (table row, op)
  std::vector<MeasuredRowSource> sources;  // parallel to profile.rows
  std::vector<std::string> files;
};

struct MeasuredCollectives {
  std::vector<MeasuredCollective> rows;
  std::vector<std::string> files;
};

// DIR/source.json, when present: {"name": "...", "commit": "..."} naming the data set
// (with its licence) and the commit it was copied from, for the provenance of a
// profile fitted to it (the path is DIR). nullopt without the file; InputError when
// it is malformed.
std::optional<MeasuredData> load_data_source(const std::string& dir);

// A folder is in the Vidur layout when it has a compute/ or network/ subfolder.
bool is_vidur_directory(const std::string& dir);

// InputError when DIR/compute/<gpu> is missing (listing the GPUs there), holds no
// mlp.csv, or a table is bad; a table must hold one model shape (the folder names it).
MeasuredKernels load_vidur_compute(const std::string& dir, const std::string& gpu);
// InputError when DIR/network/<setup> is missing (listing the setups) or holds neither
// all_reduce.csv nor send_recv.csv.
MeasuredCollectives load_vidur_network(const std::string& dir, const std::string& setup);

}  // namespace lcperf::cost

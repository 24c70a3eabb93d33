// Reading a Vidur profiling folder; see vidur_directory.hpp.
#include "cost_models/vidur_directory.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include <nlohmann/json.hpp>

#include "core/strict_json.hpp"
#include "cost_models/op_class.hpp"
#include "cost_models/vidur_compute_table.hpp"
#include "cost_models/vidur_network_table.hpp"
#include "cost_models/vidur_op_map.hpp"

namespace lcperf::cost {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> sorted_subfolders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

[[noreturn]] void missing_folder(const fs::path& folder, std::string_view what) {
  std::string known;
  for (const fs::path& p : sorted_subfolders(folder.parent_path())) {
    known += (known.empty() ? "" : ", ") + p.filename().string();
  }
  throw core::InputError(folder.string() + ": no such folder (" + std::string(what) +
                         " available: " + (known.empty() ? "none" : known) + ")");
}

// A table describes one model: every row must have the shape of the first.
void check_one_model(const std::vector<VidurComputeRow>& rows, const std::string& file) {
  for (const VidurComputeRow& r : rows) {
    if (!(r.shape == rows.front().shape)) {
      throw core::InputError(file + ":" + std::to_string(r.line) +
                             ": column 'n_embd'..'use_gated_mlp': the model shape differs from line " +
                             std::to_string(rows.front().line) + "'s (one mlp.csv holds one model)");
    }
  }
}

void append_table(MeasuredKernels& out, const fs::path& file, const std::string& family, const std::string& model) {
  const std::string name = file.string();
  const std::vector<VidurComputeRow> rows = parse_vidur_compute_table(core::read_text_file(name), name);
  check_one_model(rows, name);
  out.files.push_back(name);
  for (const VidurComputeRow& r : rows) {
    for (VidurOp op : kAllVidurOps) {
      if (!r.time(op)) continue;
      ProfileRow row;
      row.shape = lcperf_part_of(op, r);
      row.op_class = *op_class_of(row.shape);
      row.median_s = r.time(op)->median_s;
      row.min_s = r.time(op)->min_s;
      row.max_s = r.time(op)->max_s;
      out.profile.rows.push_back(row);
      out.sources.push_back({family, model, std::string(measured_group_of(op)), name, r.line});
    }
  }
}

}  // namespace

std::optional<MeasuredData> load_data_source(const std::string& dir) {
  const fs::path file = fs::path(dir) / "source.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  const nlohmann::json root = core::parse_json(core::read_text_file(file.string()), file.string());
  core::ObjectReader r(root, file.string());
  MeasuredData d;
  d.name = r.string("name");
  d.commit = r.string("commit");
  r.string_or("url", "");   // where the data came from, for people reading the file
  r.string_or("date", "");  // of the commit
  d.path = dir;
  r.finish();
  return d;
}

bool is_vidur_directory(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) &&
         (fs::is_directory(fs::path(dir) / "compute", ec) || fs::is_directory(fs::path(dir) / "network", ec));
}

MeasuredKernels load_vidur_compute(const std::string& dir, const std::string& gpu) {
  const fs::path root = fs::path(dir) / "compute" / gpu;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) missing_folder(root, "GPUs");
  MeasuredKernels out;
  out.profile.origin = root.string();
  out.profile.backend = "vidur";
  out.profile.device = gpu;
  for (const fs::path& org : sorted_subfolders(root)) {
    for (const fs::path& model : sorted_subfolders(org)) {
      const fs::path table = model / "mlp.csv";
      if (fs::is_regular_file(table, ec)) append_table(out, table, org.filename().string(), model.filename().string());
    }
  }
  if (out.files.empty()) {
    throw core::InputError(root.string() + ": no <org>/<model>/mlp.csv table (the Vidur compute layout)");
  }
  return out;
}

MeasuredCollectives load_vidur_network(const std::string& dir, const std::string& setup) {
  const fs::path root = fs::path(dir) / "network" / setup;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) missing_folder(root, "setups");
  MeasuredCollectives out;
  for (const char* name : {"all_reduce.csv", "send_recv.csv"}) {
    const fs::path file = root / name;
    if (!fs::is_regular_file(file, ec)) continue;
    const std::string path = file.string();
    for (const VidurCollectiveRow& r : parse_vidur_network_table(core::read_text_file(path), path)) {
      const auto kind = r.collective == VidurCollective::send_recv ? MeasuredCollectiveKind::send_recv
                                                                   : MeasuredCollectiveKind::all_reduce;
      out.rows.push_back({kind, static_cast<double>(r.bytes), r.workers, r.nodes(), r.median_s});
    }
    out.files.push_back(path);
  }
  if (out.files.empty()) throw core::InputError(root.string() + ": neither all_reduce.csv nor send_recv.csv");
  return out;
}

}  // namespace lcperf::cost

// `lcperf profile --backend cpu|cuda [--ops ...] [--quick] --out PROFILE.json`: times
// the real kernels over a shape grid per op class and writes a kernel profile (format:
// cost_models/README.md, "Calibration"), the input of `lcperf calibrate`.
//
// The CPU backend times kernels/cpu on the calling thread only: the kernels are
// single-threaded code and one core is one "device", matching the CPU backend that
// runs one rank per thread. Other load on the machine shows up in the timings; the
// median of several repetitions keeps single interruptions out.
#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/output_set.hpp"
#include "core/exit_codes.hpp"
#include "runs/profile_grid.hpp"
#include "runs/profile_scenario_grid.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "cost_models/calibration_profile.hpp"
#include "cost_models/op_json.hpp"
#include "kernels/device_info.hpp"
#include "kernels/profiling.hpp"
#include "kernels/speed_probe.hpp"

#ifdef LCPERF_HAVE_CUDA
#include "kernels/cuda/event_timer.hpp"
#endif

namespace lcperf::cli {

namespace {

using Json = nlohmann::ordered_json;

struct ProfileOptions {
  std::string backend = "cpu";
  std::string ops;  // comma-separated op classes; empty = all the backend has kernels for
  bool quick = false;
  std::vector<std::string> for_scenarios;  // grid = these scenarios' parts, timed by the CPU executor
  int repetitions = 0;  // 0 = the backend's default
  int concurrent = 0;   // --for-scenario: kernels running at once while one is timed; 0 = auto
  std::string out;
};

// Runs `c` in a loop on `n` threads until destroyed: the other "devices" of a live CPU
// run are threads of the same machine, and on a small VM they slow each other down
// (shared caches, memory bandwidth, a host that does not give every vCPU a core of its
// own). Timing a kernel while the others run is what a live iteration sees when its
// pipeline stages all compute at once.
class BusyNeighbours {
 public:
  BusyNeighbours(const kernels::ProfileCase& c, int n) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, &c] {
        while (!stop_.load(std::memory_order_relaxed)) c.run(0);
      });
    }
  }
  ~BusyNeighbours() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
  }
  BusyNeighbours(const BusyNeighbours&) = delete;
  BusyNeighbours& operator=(const BusyNeighbours&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Ranks of the scenarios that compute at once, at most one per hardware thread.
int scenario_concurrency(const std::vector<std::string>& scenarios) {
  int ranks = 1;
  for (const std::string& path : scenarios) ranks = std::max(ranks, core::load_scenario(path).parallel.world_size());
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(ranks, threads);
}

std::vector<cost::OpClass> requested_classes(const std::string& list, runs::ProfileBackend backend) {
  std::vector<cost::OpClass> classes;
  if (list.empty()) {
    for (cost::OpClass c : cost::kAllOpClasses) {
      // No CUDA attention backward kernel exists yet (profile_grid_cuda.cpp).
      if (backend == runs::ProfileBackend::cuda && c == cost::OpClass::attention_bwd) continue;
      classes.push_back(c);
    }
    return classes;
  }
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const auto c = cost::parse_op_class(item);
    if (!c) {
      throw core::InputError("--ops: unknown op class \"" + item +
                             "\" (gemm, attention_fwd, attention_bwd, attention_decode, elementwise, spmm, memcpy)");
    }
    if (backend == runs::ProfileBackend::cuda && *c == cost::OpClass::attention_bwd) {
      throw core::InputError("--ops: attention_bwd has no CUDA kernel to profile yet (--backend cuda)");
    }
    if (std::find(classes.begin(), classes.end(), *c) == classes.end()) classes.push_back(*c);
  }
  if (classes.empty()) throw core::InputError("--ops: no op class given");
  return classes;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(colon + 1);
        name.erase(0, name.find_first_not_of(" \t"));
        return name;
      }
    }
  }
  return "unknown CPU";
}

std::string compiler_version() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

std::size_t private_cache_bytes() {
  const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return l2 > 0 ? static_cast<std::size_t>(l2) : std::size_t{1} << 20;
}

// Scales every row's times by (median probe / the probe taken just before the row), so
// the whole profile describes the host at one speed, its median; returns that probe
// time. Rows keep their factor as "speed_factor".
double scale_rows_to_median_speed(Json& rows) {
  std::vector<double> probes;
  for (const Json& row : rows) probes.push_back(row["probe_s"].get<double>());
  if (probes.empty()) return 0;
  const double reference = kernels::median_of(probes);
  for (Json& row : rows) {
    const double factor = reference / row["probe_s"].get<double>();
    for (const char* key : {"median_s", "min_s", "max_s"}) row[key] = std::max(row[key].get<double>() * factor, 1e-9);
    row["speed_factor"] = factor;
  }
  return reference;
}

// 13000 -> "13.0"
std::string cuda_version_text(int version) {
  if (version <= 0) return "";
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

// A rough expected cost of a case, only to turn elapsed time into an ETA: FLOPs at a
// per-class rate (the attention references run at a fraction of the GEMM's rate; the
// CPU element-wise kernels are compute-bound) plus bytes at a streaming rate. Only
// ratios between cases matter.
double work_weight(const runs::GridCase& c) {
  double flops_per_s = 15e9;
  switch (c.op_class) {
    case cost::OpClass::gemm: break;
    case cost::OpClass::attention_fwd:
    case cost::OpClass::attention_bwd: flops_per_s = 4e9; break;
    case cost::OpClass::attention_decode:
    case cost::OpClass::spmm: flops_per_s = 3e9; break;
    case cost::OpClass::elementwise: flops_per_s = 2e9; break;
    case cost::OpClass::memcpy: flops_per_s = 1e12; break;
  }
  return core::flops_of(c.shape) / flops_per_s + core::bytes_of(c.shape) / 20e9 + 1e-4;
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f s", s);
  return text;
}

int run_profile(const ProfileOptions& options) {
  core::check_output_file(options.out);
  const runs::ProfileBackend backend = options.backend == "cuda" ? runs::ProfileBackend::cuda : runs::ProfileBackend::cpu;
  const std::vector<cost::OpClass> classes = requested_classes(options.ops, backend);

  Json provenance;
  provenance["date"] = utc_now_iso();
  provenance["backend"] = options.backend;
  Json versions;
  versions["compiler"] = compiler_version();
  kernels::ProfileOptions timing;
  std::unique_ptr<kernels::IntervalTimer> timer;
  if (backend == runs::ProfileBackend::cuda) {
    const kernels::CudaEnvironment env = kernels::query_cuda_environment();
    if (!env.compiled_with_cuda) throw core::InputError("--backend cuda: " + env.error);
    if (env.gpus.empty()) throw core::InputError("--backend cuda: no usable GPU (" + env.error + ")");
    provenance["device"] = env.gpus.front().name;
    provenance["threads"] = 1;
    versions["cuda_runtime"] = cuda_version_text(env.runtime_version);
    versions["cuda_driver"] = cuda_version_text(env.driver_version);
    versions["cublas"] = runs::cublas_version();
    timing.warmup = 3;
    timing.repetitions = options.quick ? 5 : 11;
#ifdef LCPERF_HAVE_CUDA
    timer = kernels::cuda::make_event_timer(nullptr);
#endif
  } else {
    provenance["device"] = cpu_model();
    provenance["threads"] = 1;
    // One warm-up call pages the buffers in. Inputs rotate through at least twice the
    // core's L2, so every call reads them from L3 or DRAM: in a live run the ranks'
    // other work evicts a rank's private cache between its ops, while the shared L3
    // (hundreds of MiB on a server part) cannot be defeated at a sensible cost.
    timing.warmup = 1;
    timing.repetitions = options.quick ? 3 : 5;
    timing.cache_bytes = private_cache_bytes();
    timing.max_copies = 1024;
    timer = kernels::make_steady_timer();
  }
  if (options.repetitions > 0) timing.repetitions = options.repetitions;
  provenance["lcperf_version"] = core::lcperf_version();
  provenance["versions"] = versions;
  provenance["timing"] = {{"warmup", timing.warmup},
                          {"repetitions", timing.repetitions},
                          {"cache_bytes", static_cast<double>(timing.cache_bytes)},
                          {"max_copies", timing.max_copies},
                          {"min_cpu_share", timing.min_cpu_share},
                          {"max_attempts", timing.max_attempts}};
  provenance["quick"] = options.quick;

  int concurrent = 1;
  if (!options.for_scenarios.empty()) {
    concurrent = options.concurrent > 0 ? options.concurrent : scenario_concurrency(options.for_scenarios);
  } else if (options.concurrent > 1) {
    throw core::InputError("--concurrent needs --for-scenario (the grid's kernels share their input buffers)");
  }
  provenance["concurrent"] = concurrent;

  std::vector<runs::GridCase> grid;
  if (options.for_scenarios.empty()) {
    grid = runs::profile_grid(backend, classes, options.quick);
  } else {
    if (backend != runs::ProfileBackend::cpu) throw core::InputError("--for-scenario needs --backend cpu");
    std::set<std::string> seen;
    for (const std::string& path : options.for_scenarios) {
      for (const runs::GridCase& c : runs::scenario_profile_grid(path, classes)) {
        if (seen.insert(std::string(cost::to_string(c.op_class)) + cost::op_to_json_text(c.shape)).second) grid.push_back(c);
      }
    }
  }
  double total_weight = 0;
  for (const runs::GridCase& c : grid) total_weight += work_weight(c);

  Json grid_json = Json::object();
  Json rows = Json::array();
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_s = [&start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double done_weight = 0;
  std::size_t done_cases = 0;
  std::int64_t preempted_samples = 0;  // set aside: the timing thread lost its core meanwhile
  std::int64_t all_preempted_rows = 0;
  std::cerr << "profile: " << grid.size() << " cases on " << provenance["device"].get<std::string>()
            << (backend == runs::ProfileBackend::cpu ? " (one core, single-threaded fp32 kernels)" : "") << ", "
            << timing.warmup << " warm-up + " << timing.repetitions << " timed calls each (median)\n";
  for (std::size_t ci = 0; ci < classes.size(); ++ci) {
    const std::string name(cost::to_string(classes[ci]));
    std::vector<const runs::GridCase*> cases;
    for (const runs::GridCase& c : grid) {
      if (c.op_class == classes[ci]) cases.push_back(&c);
    }
    std::string eta = "ETA after the first class";
    if (done_weight > 0) eta = "about " + seconds_text(elapsed_s() * (total_weight - done_weight) / done_weight) + " left";
    std::cerr << "profile: [" << ci + 1 << "/" << classes.size() << "] " << name << ": " << cases.size()
              << " cases (" << done_cases << "/" << grid.size() << " done, " << seconds_text(elapsed_s())
              << " elapsed, " << eta << ")\n";
    Json shapes = Json::array();
    for (const runs::GridCase* c : cases) {
      const kernels::ProfileCase kernel_case =
          backend == runs::ProfileBackend::cuda      ? runs::make_cuda_case(*c)
          : options.for_scenarios.empty() ? runs::make_cpu_case(*c)
                                          : runs::make_cpu_executor_case(*c);
      // The host's speed just before this row (CPU): rows are scaled to the profile's
      // median speed below, so a slow minute of a shared machine does not skew them.
      const double probe_s = backend == runs::ProfileBackend::cpu ? kernels::host_speed_probe_s(concurrent) : 0.0;
      std::optional<BusyNeighbours> neighbours;
      if (concurrent > 1) neighbours.emplace(kernel_case, concurrent - 1);
      const kernels::ProfileResult r = kernels::profile_cases({kernel_case}, timing, *timer).front();
      neighbours.reset();
      Json shape = Json::parse(r.shape_json);
      shapes.push_back(shape);
      rows.push_back({{"class", name},
                      {"shape", shape},
                      {"median_s", std::max(r.median_s, 1e-9)},
                      {"min_s", std::max(r.min_s, 1e-9)},
                      {"max_s", std::max(r.max_s, 1e-9)},
                      {"repetitions", r.repetitions},
                      {"copies", r.copies},
                      {"preempted", r.preempted},
                      {"all_preempted", r.all_preempted},
                      {"probe_s", probe_s}});
      preempted_samples += r.preempted;
      if (r.all_preempted) ++all_preempted_rows;
      done_weight += work_weight(*c);
      ++done_cases;
    }
    grid_json[name] = shapes;
  }
  provenance["wall_s"] = elapsed_s();
  if (backend == runs::ProfileBackend::cpu) provenance["speed_probe_s"] = scale_rows_to_median_speed(rows);
  provenance["preempted_samples"] = preempted_samples;
  if (preempted_samples > 0) {
    std::cerr << "profile: " << preempted_samples << " samples were taken again: another process held the core\n";
  }
  if (all_preempted_rows > 0) {
    std::cerr << "profile: warning: " << all_preempted_rows
              << " rows had no unpreempted sample; their times include the host's load (profile a quieter machine)\n";
  }

  Json profile;
  profile["format"] = std::string(cost::kKernelProfileFormat);
  profile["format_version"] = cost::kKernelProfileFormatVersion;
  profile["provenance"] = provenance;
  profile["grid"] = grid_json;
  profile["rows"] = rows;
  const std::string text = profile.dump(2) + "\n";
  cost::parse_kernel_profile(text, options.out);  // what calibrate will read must read back
  core::write_file_atomically(options.out, text);
  std::cerr << "profile: " << grid.size() << " cases in " << seconds_text(elapsed_s()) << " -> " << options.out << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_profile_command(CLI::App& parent) {
  auto options = std::make_shared<ProfileOptions>();
  CLI::App* sub = parent.add_subcommand("profile", "Time the real kernels over shape grids and write a kernel profile");
  sub->add_option("--backend", options->backend, "cpu (kernels/cpu on one core) or cuda (kernels/cuda on GPU 0)")
      ->required()
      ->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--ops", options->ops,
                  "Comma-separated op classes (default: all): gemm, attention_fwd, attention_bwd, attention_decode, "
                  "elementwise, spmm, memcpy")
      ->type_name("LIST");
  sub->add_option("--for-scenario", options->for_scenarios,
                  "CPU only, repeatable: profile exactly the op parts these training scenarios run, through the "
                  "live CPU executor (replaces the grid; --ops still filters classes)")
      ->type_name("SCENARIO.json")
      ->allow_extra_args(false);
  sub->add_option("--concurrent", options->concurrent,
                  "With --for-scenario: kernels running at once while one is timed (default: the scenario's "
                  "ranks, at most the hardware threads), as in a live run whose stages all compute")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  sub->add_flag("--quick", options->quick, "A small grid (seconds on the CPU), for CI and smoke tests");
  sub->add_option("--repetitions", options->repetitions, "Timed calls per shape (default: cpu 5, quick 3; cuda 11, quick 5)")
      ->check(CLI::Range(1, 1000));
  sub->add_option("--out", options->out, "The kernel profile JSON to write")->required()->type_name("PROFILE.json");
  sub->footer(
      "Times each shape of a grid per op class (warm-up calls, then the median of the timed\n"
      "calls, inputs rotated through copies so the cache holds none of them) and writes every\n"
      "row with its median/min/max and the provenance: UTC date, device (CPU model or GPU\n"
      "name), compiler, CUDA runtime/driver and cuBLAS versions (cuda), lcperf version, timing\n"
      "settings, the grid. The CPU backend runs the single-threaded fp32 kernels/cpu on one\n"
      "core (one core = one device). Progress goes to stderr, a line per op class with an ETA.\n"
      "--backend cuda needs a CUDA build and a visible GPU (else exit 2); it has no\n"
      "attention_bwd kernel. Feed the output to `lcperf calibrate`.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Examples:\n"
      "  lcperf profile --backend cpu --quick --out cpu-profile.json\n"
      "  lcperf profile --backend cpu --ops gemm,elementwise --out gemm.json");
  return Command{sub, [options] { return run_profile(*options); }};
}

}  // namespace lcperf::cli

// How many configurations per second `lcperf sweep` evaluates end to end (enumeration,
// pruning, the analytic estimate of every survivor, the simulations the two tiers pick,
// the outputs), and how far the estimates were from the simulations. Runs the lcperf
// binary --runs times into fresh folders and prints each run's figures, then the
// medians with the spread. A measurement, not a test: it asserts nothing, and a shared
// machine's load moves the wall-clock figure (the CPU-time figure, also printed, says
// what the sweep itself cost; the load average is printed with it).
//
//   build/bench/sweep_speed [--runs N] [--jobs N] [--lcperf PATH] [SWEEP.json]
//   (default: sweeps/qwen2.5-72b-256k-big.json, 3 runs, 2 jobs)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Options {
  int runs = 3;
  int jobs = 2;
  std::string lcperf = LCPERF_BINARY_DIR "/lcperf";
  std::string sweep = LCPERF_SOURCE_DIR "/sweeps/qwen2.5-72b-256k-big.json";
};

struct Figures {
  bool ok = false;
  double configs = NAN;
  double seconds = NAN;
  double per_s = NAN;      // wall clock, end to end
  double cpu_per_s = NAN;  // from the CPU time of the parent and the children
  std::string agreement;   // the "estimate vs simulation" line
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

Figures one_run(const Options& o, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path log = dir / "stderr.log";
  const std::string command = "'" + o.lcperf + "' sweep '" + o.sweep + "' --jobs " + std::to_string(o.jobs) +
                              " --out '" + (dir / "out").string() + "' >/dev/null 2>'" + log.string() + "'";
  const int status = std::system(command.c_str());
  Figures f;
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return f;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("sweep: evaluated ", 0) == 0) {
      f.ok = std::sscanf(line.c_str(), "sweep: evaluated %lf configurations in %lf s (%lf configs/s)", &f.configs,
                         &f.seconds, &f.per_s) == 3;
    } else if (line.rfind("sweep: CPU time:", 0) == 0) {
      const std::size_t at = line.rfind("that is ");
      if (at != std::string::npos) f.cpu_per_s = std::atof(line.c_str() + at + 8);
    } else if (line.rfind("sweep: estimate vs simulation", 0) == 0) {
      f.agreement = line;
    }
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      o.runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--jobs" && i + 1 < argc) {
      o.jobs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--lcperf" && i + 1 < argc) {
      o.lcperf = argv[++i];
    } else if (!arg.empty() && arg[0] != '-') {
      o.sweep = arg;
    } else {
      std::cerr << "usage: sweep_speed [--runs N] [--jobs N] [--lcperf PATH] [SWEEP.json]\n";
      return 2;
    }
  }
  const fs::path scratch = fs::temp_directory_path() / ("lcperf-sweep-speed-" + std::to_string(::getpid()));
  std::vector<double> wall, cpu;
  std::cout << "sweep " << o.sweep << ", --jobs " << o.jobs << ", " << o.runs << " runs\n";
  for (int r = 0; r < o.runs; ++r) {
    const std::string load = load_average();
    const Figures f = one_run(o, scratch / std::to_string(r));
    if (!f.ok) {
      std::cout << "run " << r + 1 << ": FAILED (see " << (scratch / std::to_string(r) / "stderr.log").string() << ")\n";
      continue;
    }
    wall.push_back(f.per_s);
    cpu.push_back(f.cpu_per_s);
    std::printf("run %d: %.0f configurations in %.2f s: %.1f configs/s wall, %.1f configs/s from CPU time (load %s)\n",
                r + 1, f.configs, f.seconds, f.per_s, f.cpu_per_s, load.c_str());
    if (!f.agreement.empty()) std::cout << "  " << f.agreement << "\n";
  }
  if (wall.empty()) return 1;
  std::printf("median %.1f configs/s wall (%.1f-%.1f), %.1f configs/s from CPU time (%.1f-%.1f) over %zu runs\n",
              median(wall), *std::min_element(wall.begin(), wall.end()), *std::max_element(wall.begin(), wall.end()),
              median(cpu), *std::min_element(cpu.begin(), cpu.end()), *std::max_element(cpu.begin(), cpu.end()),
              wall.size());
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return 0;
}

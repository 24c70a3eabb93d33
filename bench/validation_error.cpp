// How far the simulation lands from live CPU runs, calibrated on the same machine: the
// loop `lcperf validate` is meant for (profile the scenario's own op shapes, calibrate
// with measured tables, validate), taken --loops times per scenario, each loop's error
// printed raw and at the profile's host speed, with the medians and the spread. This is
// a measurement of the simulator on this host, not a test: it asserts nothing, and a
// shared host's load moves it (the host-speed probes and the live CPU share say how much).
//
//   build/bench/validation_error [--loops N] [--runs N] [--lcperf PATH] [SCENARIO.json ...]
//   (default: the two tiny PP2 training scenarios in scenarios/live/, 3 loops, 3 runs)
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

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Options {
  int loops = 3;
  int runs = 3;
  std::string lcperf = LCPERF_BINARY_DIR "/lcperf";
  std::vector<std::string> scenarios;
};

// Runs a command line through the shell, its output to `log`; true when it exited 0.
bool run(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " >" + log.string() + " 2>&1").c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Loop {
  bool ok = false;
  double raw_error = NAN;       // (simulated - measured median) / measured median
  double at_speed_error = NAN;  // the same with each run scaled to the profile's host speed
  double probe_spread = NAN;
  double cpu_share = NAN;
  bool decisions_identical = false;
};

Loop one_loop(const Options& o, const std::string& scenario, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  Loop loop;
  const std::string profile = (dir / "profile.json").string();
  const std::string device = (dir / "device.json").string();
  if (!run(quoted(o.lcperf) + " profile --backend cpu --for-scenario " + quoted(scenario) + " --out " + quoted(profile),
           dir / "profile.log") ||
      !run(quoted(o.lcperf) + " calibrate " + quoted(profile) + " --base " +
               quoted(LCPERF_SOURCE_DIR "/cost_models/devices/cpu-reference.json") + " --with-tables --out " + quoted(device),
           dir / "calibrate.log") ||
      !run(quoted(o.lcperf) + " validate " + quoted(scenario) + " --backend cpu --device " + quoted(device) + " --runs " +
               std::to_string(o.runs) + " --quiet --out " + quoted((dir / "out").string()),
           dir / "validate.log")) {
    return loop;
  }
  std::ifstream in(dir / "out" / "validation.json");
  const nlohmann::json v = nlohmann::json::parse(in);
  const nlohmann::json& end = v.at("end_to_end");
  loop.ok = true;
  loop.raw_error = end.at("relative_error").get<double>();
  if (end.contains("at_profile_host_speed")) {
    loop.at_speed_error = end["at_profile_host_speed"].at("relative_error").get<double>();
    loop.probe_spread = end["at_profile_host_speed"].at("probe_spread").get<double>();
  }
  loop.cpu_share = v.value("live_cpu_share", NAN);
  loop.decisions_identical = v.at("decision_logs_identical").get<bool>();
  return loop;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--loops" || a == "--runs" || a == "--lcperf") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (a == "--loops") o.loops = std::max(1, std::atoi(value.c_str()));
      if (a == "--runs") o.runs = std::max(1, std::atoi(value.c_str()));
      if (a == "--lcperf") o.lcperf = value;
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: validation_error [--loops N] [--runs N] [--lcperf PATH] [SCENARIO.json ...]\n";
      std::exit(0);
    } else {
      o.scenarios.push_back(a);
    }
  }
  if (o.scenarios.empty()) {
    for (const char* name : {"tiny-256-chunkflow-pp2-dp1.json", "tiny-256-megatron-pp2-dp1.json"}) {
      o.scenarios.push_back(std::string(LCPERF_SOURCE_DIR "/scenarios/live/") + name);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const fs::path scratch = fs::temp_directory_path() / ("lcperf-validation-error-" + std::to_string(::getpid()));
  std::printf("%-34s %4s %10s %10s %8s %8s %s\n", "scenario", "loop", "raw err", "at speed", "spread", "cpu", "decisions");
  for (const std::string& scenario : o.scenarios) {
    const std::string name = fs::path(scenario).stem().string();
    std::vector<double> raw, at_speed, steady_at_speed;
    for (int i = 0; i < o.loops; ++i) {
      const Loop l = one_loop(o, scenario, scratch / name);
      if (!l.ok) {
        std::printf("%-34s %4d  failed (logs in %s)\n", name.c_str(), i + 1, (scratch / name).c_str());
        continue;
      }
      std::printf("%-34s %4d %+10.3f %+10.3f %8.2f %8.2f %s\n", name.c_str(), i + 1, l.raw_error, l.at_speed_error,
                  l.probe_spread, l.cpu_share, l.decisions_identical ? "identical" : "DIFFER");
      raw.push_back(std::abs(l.raw_error));
      if (!std::isnan(l.at_speed_error)) at_speed.push_back(std::abs(l.at_speed_error));
      if (l.probe_spread <= 1.15) steady_at_speed.push_back(std::abs(l.at_speed_error));
    }
    std::printf("%-34s  median |error|: raw %.3f, at the profile's host speed %.3f (%zu loops), steady loops only %.3f "
                "(%zu)\n",
                name.c_str(), median(raw), median(at_speed), at_speed.size(), median(steady_at_speed),
                steady_at_speed.size());
  }
  fs::remove_all(scratch);
  return 0;
}

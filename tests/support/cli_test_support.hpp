#pragma once
// Runs the real `lcperf` binary in a child process (SimGrid allows one simulation per
// process, and the exit code and stderr are part of the contract) and gives scratch
// folders that clean up after themselves.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lcperf::cli::testing {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The cells of a CSV the project writes (no quoting), one vector per line, a trailing
// comma giving a last empty cell.
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A fresh folder under the system temp dir, removed when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    static int counter = 0;
    std::ostringstream name;
    name << "lcperf_cli_test_" << ::getpid() << "_" << counter++;
    path_ = fs::temp_directory_path() / name.str();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Single-quotes an argument for /bin/sh.
inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

struct Invocation {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `LAUNCHER... lcperf ARGS...` (e.g. LAUNCHER = {"mpirun", "-np", "2"}; from `cwd`
// when given) and collects exit code, stdout, stderr.
inline Invocation run_lcperf_under(const std::vector<std::string>& launcher, const std::vector<std::string>& args,
                                   const fs::path& cwd = {}) {
  const ScratchDir capture;
  // Built with a stream: GCC 12 warns (falsely) on `"literal" + std::string&&`.
  std::ostringstream command;
  if (!cwd.empty()) command << "cd " << shell_quote(cwd.string()) << " && ";
  for (const std::string& word : launcher) command << shell_quote(word) << ' ';
  command << shell_quote(LCPERF_BINARY_DIR "/lcperf");
  for (const std::string& arg : args) command << ' ' << shell_quote(arg);
  command << " >" << shell_quote((capture / "out").string()) << " 2>" << shell_quote((capture / "err").string());
  const int status = std::system(command.str().c_str());
  Invocation result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(capture / "out");
  result.err = read_file(capture / "err");
  return result;
}

// Runs `lcperf ARGS...` (from `cwd` when given) and collects exit code, stdout, stderr.
inline Invocation run_lcperf(const std::vector<std::string>& args, const fs::path& cwd = {}) {
  return run_lcperf_under({}, args, cwd);
}

// `lcperf COMMAND SCENARIO --quiet --out OUT`, `--set S` for each override, then `extra`.
inline Invocation run_scenario(const std::string& command, const std::string& scenario, const fs::path& out,
                               const std::vector<std::string>& sets = {}, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {command, scenario, "--quiet", "--out", out.string()};
  for (const std::string& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return run_lcperf(args);
}

// A small valid training scenario; tests break one field at a time.
inline nlohmann::json valid_scenario() {
  return nlohmann::json::parse(R"({
    "name": "cli-test",
    "model": "llama3-8b",
    "cluster": "h200-1node",
    "parallel": {"tp": 2, "pp": 2, "dp": 2, "num_micro_batches": 4},
    "workload": {"kind": "fixed_length", "seq_len": 4096}
  })");
}

inline std::string smoke_scenario() { return LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json"; }

}  // namespace lcperf::cli::testing

#include "core/data_root.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>

#ifndef LCPERF_SOURCE_ROOT
#define LCPERF_SOURCE_ROOT "."
#endif
#ifndef LCPERF_INSTALL_DATA_ROOT
#define LCPERF_INSTALL_DATA_ROOT "/usr/local/share/lcperf"
#endif

namespace lcperf::core {

namespace {

namespace fs = std::filesystem;

// How far up from the binary to look: PREFIX/bin -> PREFIX is one step,
// PREFIX/lib/python3/dist-packages -> PREFIX three, build/tests/x -> source four.
constexpr int kLevelsUp = 4;

bool holds_data(const fs::path& root) {
  std::error_code ec;
  return fs::is_directory(root / "scenarios" / "models", ec) && fs::is_directory(root / "scenarios" / "hardware", ec);
}

// The file this code was loaded from: the executable for a static link, the shared
// object (a Python extension) otherwise.
fs::path own_file() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&holds_data), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const fs::path path = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : path;
}

fs::path running_program() {
  std::error_code ec;
  const fs::path path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : path;
}

void add_walk_up(const fs::path& file, std::vector<std::string>& out) {
  if (file.empty()) return;
  fs::path dir = file.parent_path();
  for (int level = 0; level <= kLevelsUp && !dir.empty(); ++level) {
    out.push_back((dir / "share" / "lcperf").string());
    out.push_back(dir.string());
    if (dir == dir.root_path()) break;
    dir = dir.parent_path();
  }
}

}  // namespace

std::vector<std::string> data_root_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("LCPERF_HOME"); env != nullptr && *env != '\0') out.emplace_back(env);
  add_walk_up(own_file(), out);
  add_walk_up(running_program(), out);
  out.emplace_back(LCPERF_INSTALL_DATA_ROOT);
  out.emplace_back(LCPERF_SOURCE_ROOT);
  return out;
}

std::string data_root() {
  // Loaders ask for every file they read (a fuzz run, thousands of times), and only
  // LCPERF_HOME can change the answer while the process runs, so it is kept per value.
  static std::mutex mutex;
  static bool found = false;
  static std::string env_seen;
  static std::string root;
  const char* env = std::getenv("LCPERF_HOME");
  const std::string env_now = env == nullptr ? "" : env;
  const std::lock_guard lock(mutex);
  if (found && env_now == env_seen) return root;
  root = LCPERF_SOURCE_ROOT;
  for (const std::string& candidate : data_root_candidates()) {
    if (holds_data(candidate)) {
      root = fs::path(candidate).lexically_normal().string();
      break;
    }
  }
  env_seen = env_now;
  found = true;
  return root;
}

}  // namespace lcperf::core

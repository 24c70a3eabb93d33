#include "core/output_set.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "core/errors.hpp"
#include "core/input_file.hpp"

namespace lcperf::core {

namespace fs = std::filesystem;

namespace {

// The pid at the end of `name` after `marker` ("x.tmp.123" -> 123), or -1.
long pid_after(const std::string& name, const std::string& marker) {
  const std::size_t at = name.rfind(marker);
  if (at == std::string::npos || at + marker.size() >= name.size()) return -1;
  const std::string digits = name.substr(at + marker.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return -1;
  return std::strtol(digits.c_str(), nullptr, 10);
}

std::string partial_prefix(const fs::path& dir) {
  std::string prefix = ".";
  prefix += dir.filename().string();
  prefix += ".partial.";
  return prefix;
}

// Staging folders of `dir` whose writer died, and temporaries of dead writers inside
// `dir` (core/atomic_file.cpp names them `FILE.tmp.PID`).
void remove_stale(const fs::path& dir) {
  std::error_code ec;
  const std::string prefix = partial_prefix(dir);
  for (const fs::directory_entry& e : fs::directory_iterator(dir.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = pid_after(name, ".partial.");
    if (pid > 0 && !process_is_alive(pid)) fs::remove_all(e.path(), ec);
  }
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const long pid = pid_after(e.path().filename().string(), ".tmp.");
    if (pid > 0 && !process_is_alive(pid) && e.is_regular_file(ec)) fs::remove(e.path(), ec);
  }
}

// Entries of the old folder the new set does not write, carried into the staging folder.
void carry_over(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(from, ec)) {
    const fs::path target = to / e.path().filename();
    if (fs::exists(fs::symlink_status(target, ec))) continue;
    if (pid_after(e.path().filename().string(), ".tmp.") > 0) continue;  // someone's temporary
    std::error_code link_error;
    fs::copy(e.path(), target, fs::copy_options::recursive | fs::copy_options::create_hard_links, link_error);
    if (link_error) {
      fs::remove_all(target, ec);
      fs::copy(e.path(), target, fs::copy_options::recursive, ec);
      if (ec) throw InputError(e.path().string() + ": cannot carry it into the new output set (" + ec.message() + ")");
    }
  }
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A path the system cannot even look up: a component over NAME_MAX or the whole over PATH_MAX.
void check_name_lengths(const fs::path& path) {
  if (path.native().size() >= PATH_MAX) {
    throw InputError(shown_path(path.string()) + ": the path is longer than the system allows (" +
                     std::to_string(PATH_MAX) + " bytes)");
  }
  for (const fs::path& part : path) {
    if (part.native().size() > NAME_MAX) {
      throw InputError(shown_path(path.string()) + ": a name in the path is longer than the system allows (" +
                       std::to_string(NAME_MAX) + " bytes)");
    }
  }
}

// The nearest folder that exists above `path` must be a folder we may create entries in.
void check_creatable(const fs::path& path) {
  std::error_code ec;
  fs::path above = fs::absolute(path, ec).lexically_normal().parent_path();
  while (!above.empty() && !fs::exists(fs::symlink_status(above, ec)) && above != above.root_path()) {
    above = above.parent_path();
  }
  if (above.empty()) return;
  if (!fs::is_directory(above, ec)) {
    throw InputError(shown_path(path.string()) + ": cannot be created, " + above.string() + " is a file");
  }
  // A probe, not access(2): root passes access() on read-only places such as /proc.
  std::string probe = (above / ".lcperf-probe-XXXXXX").string();
  if (::mkdtemp(probe.data()) == nullptr) {
    throw InputError(shown_path(path.string()) + ": cannot be created, " + above.string() + " is not writable (" +
                     std::strerror(errno) + ")");
  }
  ::rmdir(probe.c_str());
}

}  // namespace

void check_output_folder(const fs::path& dir, std::initializer_list<std::string_view> names) {
  check_name_lengths(dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw InputError(shown_path(dir.string()) + ": the output folder is an existing file");
  }
  for (std::string_view name : names) {
    if (fs::is_directory(dir / name, ec)) {
      throw InputError(shown_path((dir / name).string()) + ": is a folder where the run writes a file (remove it or "
                                                           "choose another --out)");
    }
  }
  check_creatable(fs::is_directory(dir, ec) ? dir / "x" : dir);
}

void check_output_file(const fs::path& file) {
  check_name_lengths(file);
  std::error_code ec;
  if (file.filename().empty() || fs::is_directory(file, ec)) {
    throw InputError(shown_path(file.string()) + ": names a folder; give a file to write");
  }
  check_creatable(file);
}

bool process_is_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

OutputSet::OutputSet(fs::path dir) {
  std::error_code ec;
  dir_ = fs::absolute(dir, ec).lexically_normal();
  if (dir_.has_filename() == false) dir_ = dir_.parent_path();  // "out/x/" names "out/x"
  if (ec || dir_.filename().empty() || dir_ == dir_.root_path()) {
    throw InputError(dir.string() + ": not usable as an output folder");
  }
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) {
    throw InputError(dir.string() + ": the output folder is an existing file");
  }
  fs::create_directories(dir_.parent_path(), ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output folder's parent (" + ec.message() + ")");
  if (fs::is_directory(dir_, ec)) remove_stale(dir_);
  staging_ = dir_.parent_path() / (partial_prefix(dir_) + std::to_string(::getpid()));
  fs::remove_all(staging_, ec);
  fs::create_directory(staging_, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output folder (" + ec.message() + ")");
}

OutputSet::~OutputSet() {
  std::error_code ec;
  fs::remove_all(staging_, ec);  // after a commit it holds the previous set
}

void OutputSet::commit() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    fs::rename(staging_, dir_, ec);
    if (ec) throw std::runtime_error("cannot publish '" + dir_.string() + "': " + ec.message());
  } else {
    carry_over(dir_, staging_);
    // One atomic exchange: the output folder becomes the new set, the staging path the
    // old one (removed by the destructor).
    if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0) {
      throw std::runtime_error("cannot publish '" + dir_.string() + "': " + std::strerror(errno));
    }
  }
  committed_ = true;
  sync_directory(dir_.parent_path());
}

}  // namespace lcperf::core

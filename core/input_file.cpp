#include "core/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/errors.hpp"

namespace lcperf::core {

namespace {

std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

[[noreturn]] void refuse(const std::string& path, const std::string& rule) {
  throw InputError(shown_path(path) + ": " + rule);
}

// Closes the descriptor on every path out of read_input_file.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string shown_path(const std::string& path) {
  constexpr std::size_t kShown = 200;
  if (path.size() <= kShown) return path;
  return path.substr(0, kShown) + "... (" + std::to_string(path.size()) + " characters)";
}

std::string read_input_file(const std::string& path, std::size_t max_bytes) {
  if (path.empty()) throw InputError("an empty file name");
  if (path.find('\0') != std::string::npos) refuse(path, "a file name with a NUL character");
  const Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    // A missing file is the common case and needs no reason; the others (a name too long,
    // no permission) do.
    if (errno == ENOENT) refuse(path, "cannot read file");
    refuse(path, std::string("cannot read file (") + std::strerror(errno) + ")");
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) refuse(path, std::string("cannot read file (") + std::strerror(errno) + ")");
  if (S_ISDIR(info.st_mode)) refuse(path, "is a folder, not a file");
  if (S_ISREG(info.st_mode) && static_cast<std::size_t>(info.st_size) > max_bytes) {
    refuse(path, "is " + mib(static_cast<std::size_t>(info.st_size)) + ", over the input limit of " + mib(max_bytes));
  }
  if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode)) {
    refuse(path, "is a device or socket, not a file (give a file or a pipe)");
  }
  std::string text;
  if (S_ISREG(info.st_mode)) text.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(file.fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      refuse(path, std::string("cannot read file (") + std::strerror(errno) + ")");
    }
    if (got == 0) break;
    // A file that grows while read, or a pipe, is held to the same limit.
    if (text.size() + static_cast<std::size_t>(got) > max_bytes) {
      refuse(path, "is longer than the input limit of " + mib(max_bytes));
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

}  // namespace lcperf::core

#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace lcperf::core {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(error));
}

// Writes all of `content`, retrying short writes and EINTR.
void write_all(int fd, std::string_view content, const std::string& tmp_path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", tmp_path, errno);
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

// The directory entry of the rename is durable only once the directory is synced; a
// failure here is not worth failing the run for (some file systems refuse it).
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
  const std::filesystem::path target(path);
  const std::filesystem::path parent = target.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) fail("cannot create directory for", path, ec.value());
  }

  // The pid keeps concurrent writers (a sweep's forked workers) off each other's temp file.
  const std::string tmp_path = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp_path, errno);
  try {
    write_all(fd, content, tmp_path);
    if (::fsync(fd) != 0) fail("cannot sync", tmp_path, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp_path.c_str());
    fail("cannot close", tmp_path, error);
  }
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp_path.c_str());
    fail("cannot rename temporary file onto", path, error);
  }
  sync_directory(parent);
}

}  // namespace lcperf::core

#pragma once
// Running a piece of a test in a forked child: SimGrid allows one engine per process, so
// a test that compares two simulations runs (at least) one of them in a child.
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace lcperf::testing {

// Runs `body` in a forked child and brings back the text it returns ("" when the child
// fails): for results too rich for a trivially copyable struct.
inline std::string text_from_child(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string out = body();
    std::size_t written = 0;
    while (written < out.size()) {
      const ssize_t n = write(fds[1], out.data() + written, out.size() - written);
      if (n <= 0) _exit(1);
      written += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buffer[1 << 16];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? out : std::string();
}

}  // namespace lcperf::testing

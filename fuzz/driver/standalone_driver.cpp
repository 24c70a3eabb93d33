// A libFuzzer-compatible driver for the normal (gcc) build, so CI runs every fuzz target
// without clang: each seed file, each committed regression input, then a fixed number of
// deterministic mutations of the seeds go through LLVMFuzzerTestOneInput. The outcome is
// what libFuzzer would call a crash: an exception escaping the target (anything but the
// input errors the target absorbs), a signal (abort, segfault), or an input running past
// the time limit (a hang). The failing input is saved beside the working directory and
// the driver exits 1; otherwise it prints what it ran and exits 0.
//
//   fuzz_<target> [--mutations N] [--seed S] [--timeout-s T] [--tolerate TEXT]... PATH...
//
// PATH is a file or a folder read recursively in name order; folders named `known` are
// skipped: they hold reproducers of defects another change fixes (fuzz/README.md).
// --tolerate names such a known defect by a piece of its exception message: it is
// counted (its first input saved as fuzz-known-<target>-<i>.input) instead of failing
// the run, so the mutations keep testing everything else until that fix lands.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/driver/mutator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// What the signal handlers save: the input being run and where it goes.
const std::string* current_input = nullptr;
std::string failure_path;
std::string target_name;  // the executable's name, in the names of saved inputs

void save_current_input() {
  if (current_input == nullptr) return;
  const int fd = ::open(failure_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < current_input->size()) {
    const ssize_t n = ::write(fd, current_input->data() + done, current_input->size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

void say(const char* text) { [[maybe_unused]] const ssize_t n = ::write(2, text, std::strlen(text)); }

// Async-signal-safe: open/write/close, then exit with 128 + the signal, the shell's way
// of saying "killed by": a plain failing exit, so ctest can also test for it.
extern "C" void on_fatal_signal(int signal_number) {
  save_current_input();
  say(signal_number == SIGALRM ? "fuzz: HANG: an input ran past the time limit; saved to "
                               : "fuzz: CRASH: a signal while running an input; saved to ");
  say(failure_path.c_str());
  say("\n");
  ::_exit(128 + signal_number);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void collect(const fs::path& path, std::vector<fs::path>& files) {
  if (fs::is_regular_file(path)) {
    files.push_back(path);
    return;
  }
  if (!fs::is_directory(path)) {
    std::cerr << "fuzz: no such file or folder: " << path.string() << "\n";
    std::exit(2);
  }
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(path); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == "known") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().filename() != "README.md") found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
}

struct Options {
  std::vector<std::string> tolerated;  // message pieces of known, not yet fixed defects
  std::uint64_t mutations = 0;
  std::uint64_t seed = 1;
  unsigned timeout_s = 10;
  std::vector<fs::path> files;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--mutations" && has_value) {
      options.mutations = std::stoull(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      options.seed = std::stoull(argv[++i]);
    } else if (arg == "--tolerate" && has_value) {
      options.tolerated.emplace_back(argv[++i]);
    } else if (arg == "--timeout-s" && has_value) {
      options.timeout_s = static_cast<unsigned>(std::stoul(argv[++i]));
    } else {
      collect(arg, options.files);
    }
  }
  if (options.files.empty()) {
    std::cerr << "usage: " << argv[0] << " [--mutations N] [--seed S] [--timeout-s T] PATH...\n";
    std::exit(2);
  }
  return options;
}

// Known defects met so far, by --tolerate entry.
std::vector<std::uint64_t> tolerated_counts;

bool tolerate(const Options& options, const std::string& message, const std::string& input) {
  tolerated_counts.resize(options.tolerated.size());
  for (std::size_t i = 0; i < options.tolerated.size(); ++i) {
    if (message.find(options.tolerated[i]) == std::string::npos) continue;
    if (tolerated_counts[i]++ == 0) {
      const std::string first = "fuzz-known-" + target_name + "-" + std::to_string(i) + ".input";
      std::ofstream(first, std::ios::binary) << input;
    }
    return true;
  }
  return false;
}

// Runs one input under the time limit; an escaping exception is a defect.
void run_one(const std::string& input, const std::string& label, const Options& options) {
  current_input = &input;
  ::alarm(options.timeout_s);
  try {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  } catch (const std::exception& error) {
    ::alarm(0);
    current_input = nullptr;
    if (tolerate(options, error.what(), input)) return;
    current_input = &input;
    save_current_input();
    std::cerr << "fuzz: CRASH: an exception other than an input error escaped (" << error.what() << ") on " << label
              << "; saved to " << failure_path << "\n";
    std::exit(1);
  } catch (...) {
    save_current_input();
    std::cerr << "fuzz: CRASH: an unknown exception escaped on " << label << "; saved to " << failure_path << "\n";
    std::exit(1);
  }
  ::alarm(0);
  current_input = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  target_name = fs::path(argv[0]).filename().string();
  failure_path = (fs::current_path() / ("fuzz-failure-" + target_name + ".input")).string();
  for (const int signal_number : {SIGABRT, SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGALRM}) std::signal(signal_number, on_fatal_signal);

  std::vector<std::string> seeds;
  for (const fs::path& file : options.files) {
    seeds.push_back(read_file(file));
    run_one(seeds.back(), file.string(), options);
  }
  lcperf::fuzz::SplitMix64 rng(options.seed);
  for (std::uint64_t i = 0; i < options.mutations; ++i) {
    const std::string input = lcperf::fuzz::mutate(seeds[rng.below(seeds.size())], seeds, rng);
    run_one(input, "mutation " + std::to_string(i) + " of seed " + std::to_string(options.seed), options);
  }
  std::cout << "fuzz: " << options.files.size() << " files and " << options.mutations
            << " mutations run, no crash, no hang\n";
  for (std::size_t i = 0; i < tolerated_counts.size(); ++i) {
    std::cout << "fuzz: known defect '" << options.tolerated[i] << "' met " << tolerated_counts[i] << " times (tolerated)\n";
  }
  return 0;
}

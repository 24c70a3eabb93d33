#pragma once
// The one way input files are read: bounded, and with messages that name the path and
// what is wrong with it. Every reader of user files (scenarios, data files, sweeps,
// `--op @FILE`, traces, profiles) goes through read_input_file, so `/dev/zero`, a folder,
// a name too long for the file system or a 50 GB file is an InputError (exit 2), never
// an unbounded allocation or a `filesystem error` (exit 1).
#include <cstddef>
#include <string>

namespace lcperf::core {

// Size limits (documented in docs/contract.md, "Input limits"). JSON documents are
// hand-written or generated specs; traces are the large inputs.
constexpr std::size_t kMaxJsonFileBytes = std::size_t{64} << 20;   // 64 MiB
constexpr std::size_t kMaxTraceFileBytes = std::size_t{1} << 30;  // 1 GiB

// Reads `path` whole. Regular files larger than `max_bytes` are refused before reading;
// pipes (FIFOs, process substitution) are read up to `max_bytes` and refused past it;
// folders and devices are refused. Throws InputError "PATH: RULE".
std::string read_input_file(const std::string& path, std::size_t max_bytes);

// `path` shortened for messages (a 5 MB argument must not print 5 MB).
std::string shown_path(const std::string& path);

}  // namespace lcperf::core

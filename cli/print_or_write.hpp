#pragma once
// The output of a command that makes one document (import-model, schema): on stdout,
// or with --out written atomically to the file (core/atomic_file.hpp).
#include <string>

namespace lcperf::cli {

// Returns the success exit code, so a command can end with it.
int print_or_write(const std::string& text, const std::string& out_file);

}  // namespace lcperf::cli

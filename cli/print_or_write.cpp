#include "cli/print_or_write.hpp"

#include <iostream>

#include "core/atomic_file.hpp"
#include "core/exit_codes.hpp"

namespace lcperf::cli {

int print_or_write(const std::string& text, const std::string& out_file) {
  if (out_file.empty()) {
    std::cout << text;
  } else {
    core::write_file_atomically(out_file, text);
  }
  return core::kExitSuccess;
}

}  // namespace lcperf::cli

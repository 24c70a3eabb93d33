#include "cli/app.hpp"

#include <iostream>

namespace lcperf::cli {

int run_main(int, char**) {
  std::cerr << "lcperf: not wired yet\n";
  return 1;
}

}  // namespace lcperf::cli

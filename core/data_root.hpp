#pragma once
// Where lcperf's bundled data lives: one folder laid out like the source tree
// (scenarios/, traces/data/, cost_models/devices/, cost_models/stacks/, sweeps/), which
// `cmake --install` copies to PREFIX/share/lcperf. Looking it up at run time instead of
// compiling in a source path lets an installed or copied tree work on its own.
#include <string>
#include <vector>

namespace lcperf::core {

// The first folder that holds scenarios/models and scenarios/hardware among:
//  1. $LCPERF_HOME (an explicit choice beats every guess);
//  2. next to the code itself: walking up from the file holding lcperf (the `lcperf`
//     binary, or a shared object such as the Python module), then from the running
//     program, each folder F is tried as F/share/lcperf (an install prefix, wherever it
//     was copied) and as F (a source tree, a build folder inside it);
//  3. the install prefix compiled in (CMAKE_INSTALL_PREFIX/share/lcperf);
//  4. the source tree compiled in.
// When none qualifies, the source tree's path (so a message names a real place to look).
std::string data_root();

// Every candidate data_root() tries, in order (for messages and tests).
std::vector<std::string> data_root_candidates();

}  // namespace lcperf::core

// A scheduler that reaches the simulator: seam_wall.cmake must refuse this tree.
#include "sim/simulator.hpp"

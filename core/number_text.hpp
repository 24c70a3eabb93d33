#pragma once
// Numbers in messages: the shortest form with `digits` significant digits ("1e-09",
// "0.001", "1e+07"), as printf's %g writes it.
#include <string>

namespace lcperf::core {

std::string number_text(double value, int digits = 6);

}  // namespace lcperf::core

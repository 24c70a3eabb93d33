#include "core/number_text.hpp"

#include <cstdio>

namespace lcperf::core {

std::string number_text(double value, int digits) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

}  // namespace lcperf::core

#include "cost_models/profile_notes.hpp"

namespace lcperf::cost {

std::string previous_notes_suffix(const std::string& base_notes) {
  const std::size_t at = base_notes.find(kPreviousNotesMarker);
  const std::string own = at == std::string::npos ? base_notes : base_notes.substr(at + kPreviousNotesMarker.size());
  if (own.empty()) return "";
  // Built by appending: GCC 12 warns falsely (bug 105329) on "literal" + std::string.
  std::string suffix(1, ' ');
  suffix.append(kPreviousNotesMarker);
  suffix.append(own);
  return suffix;
}

}  // namespace lcperf::cost

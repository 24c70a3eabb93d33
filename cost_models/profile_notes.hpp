#pragma once
// A profile built on another (calibrated on a base, derived from a target's previous
// profile) keeps the base's notes for what it did not change, after a marker, so the
// sources of the classes it kept stay written down. Rebuilding on a profile that was
// itself built that way keeps only the notes after its marker: they do not nest.
#include <string>
#include <string_view>

namespace lcperf::cost {

inline constexpr std::string_view kPreviousNotesMarker = "Previous notes: ";

// " Previous notes: <the base's own notes>", or "" when the base has none.
std::string previous_notes_suffix(const std::string& base_notes);

}  // namespace lcperf::cost

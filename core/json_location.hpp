#pragma once
// Where something sits in a JSON document: a line/column in the text (for syntax
// errors) or a JSONPath-like string such as `$.parallel.tp` (for schema errors).
// Kept apart from the reader so traces and other text formats can reuse it.
#include <cstddef>
#include <string>
#include <string_view>

namespace lcperf::core {

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, counted in characters (UTF-8 code points), not bytes
};

// Position of the byte at 0-based `offset` in `text`; offsets past the end give the
// position just after the last character.
TextPosition position_of_offset(std::string_view text, std::size_t offset);

// "$.a" + "b" -> "$.a.b". Keys that are not plain identifiers are quoted:
// "$.a" + "x y" -> "$.a[\"x y\"]", so every path can be read back unambiguously.
std::string child_path(std::string_view parent, std::string_view key);
// "$.a" + 3 -> "$.a[3]"
std::string index_path(std::string_view parent, std::size_t index);

}  // namespace lcperf::core

#include "core/json_location.hpp"

#include <algorithm>

namespace lcperf::core {

namespace {

// UTF-8 continuation bytes (10xxxxxx) do not start a character.
bool starts_character(char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  return std::all_of(key.begin(), key.end(), plain);
}

}  // namespace

TextPosition position_of_offset(std::string_view text, std::size_t offset) {
  const std::size_t end = std::min(offset, text.size());
  TextPosition pos;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (starts_character(text[i])) {
      ++pos.column;
    }
  }
  return pos;
}

std::string child_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (is_plain_key(key)) {
    path += '.';
    path += key;
    return path;
  }
  path += "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') path += '\\';
    path += c;
  }
  path += "\"]";
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

}  // namespace lcperf::core

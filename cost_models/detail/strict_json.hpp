#pragma once
// Internal to cost_models: strict JSON reading with errors that name the origin (file)
// and the JSON path. It includes nlohmann/json.hpp, so only .cpp files may include it.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lcperf::cost::detail {

using Json = nlohmann::json;

// Throws core::InputError "<origin>: <path>: <rule>".
[[noreturn]] void fail(const std::string& origin, const std::string& path, const std::string& rule);

// Parses text; malformed JSON raises core::InputError "<origin>:<line>:<column>: ...".
Json parse_json_text(std::string_view text, const std::string& origin);

// 1-based line and column of a 0-based byte offset.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

std::string index_path(const std::string& path, std::size_t index);

// Reads the members of one JSON object. Every key the caller asks about (present or
// not) becomes known; finish() rejects any member that is not.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path, std::string origin);

  bool has(const std::string& key);
  const Json& value(const std::string& key);  // required, any type
  double number(const std::string& key);
  double number_or(const std::string& key, double fallback);
  std::int64_t integer(const std::string& key);
  std::int64_t integer_or(const std::string& key, std::int64_t fallback);
  std::string string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  bool boolean_or(const std::string& key, bool fallback);

  std::string path_of(const std::string& key) const { return path_ + "." + key; }
  const std::string& path() const { return path_; }
  const std::string& origin() const { return origin_; }
  [[noreturn]] void fail_at(const std::string& key, const std::string& rule) const;
  void finish() const;

 private:
  const Json& object_;
  std::string path_;
  std::string origin_;
  std::set<std::string> known_;
};

// Checks on a value already read; `what` names it in the message.
double expect_number(const Json& value, const std::string& path, const std::string& origin);
std::int64_t expect_integer(const Json& value, const std::string& path, const std::string& origin);

}  // namespace lcperf::cost::detail

#include "cost_models/detail/strict_json.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.hpp"

namespace lcperf::cost::detail {

void fail(const std::string& origin, const std::string& path, const std::string& rule) {
  throw core::InputError(origin + ": " + path + ": " + rule);
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition pos;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

Json parse_json_text(std::string_view text, const std::string& origin) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // nlohmann reports `byte` as the 1-based index of the last character it read,
    // which is the offending one.
    const std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    const TextPosition pos = position_of(text, offset);
    // Keep nlohmann's description but drop its own prefix and position.
    std::string what = e.what();
    const std::size_t column_word = what.find("column ");
    const std::size_t colon = column_word == std::string::npos ? std::string::npos : what.find(": ", column_word);
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw core::InputError(origin + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                           ": malformed JSON: " + what);
  }
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

double expect_number(const Json& value, const std::string& path, const std::string& origin) {
  if (!value.is_number()) fail(origin, path, "expected a number");
  return value.get<double>();
}

std::int64_t expect_integer(const Json& value, const std::string& path, const std::string& origin) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() >
                                          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(origin, path, "integer out of range");
    }
    return value.get<std::int64_t>();
  }
  // Accept 1e6-style numbers when they are whole.
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9.0e18) return static_cast<std::int64_t>(d);
  }
  fail(origin, path, "expected an integer");
}

ObjectReader::ObjectReader(const Json& object, std::string path, std::string origin)
    : object_(object), path_(std::move(path)), origin_(std::move(origin)) {
  if (!object_.is_object()) fail(origin_, path_, "expected an object");
}

bool ObjectReader::has(const std::string& key) {
  known_.insert(key);
  return object_.contains(key);
}

const Json& ObjectReader::value(const std::string& key) {
  if (!has(key)) fail(origin_, path_of(key), "required key is missing");
  return object_.at(key);
}

double ObjectReader::number(const std::string& key) { return expect_number(value(key), path_of(key), origin_); }

double ObjectReader::number_or(const std::string& key, double fallback) {
  return has(key) ? number(key) : fallback;
}

std::int64_t ObjectReader::integer(const std::string& key) {
  return expect_integer(value(key), path_of(key), origin_);
}

std::int64_t ObjectReader::integer_or(const std::string& key, std::int64_t fallback) {
  return has(key) ? integer(key) : fallback;
}

std::string ObjectReader::string(const std::string& key) {
  const Json& v = value(key);
  if (!v.is_string()) fail(origin_, path_of(key), "expected a string");
  return v.get<std::string>();
}

std::string ObjectReader::string_or(const std::string& key, const std::string& fallback) {
  return has(key) ? string(key) : fallback;
}

bool ObjectReader::boolean_or(const std::string& key, bool fallback) {
  if (!has(key)) return fallback;
  const Json& v = object_.at(key);
  if (!v.is_boolean()) fail(origin_, path_of(key), "expected true or false");
  return v.get<bool>();
}

void ObjectReader::fail_at(const std::string& key, const std::string& rule) const {
  fail(origin_, path_of(key), rule);
}

void ObjectReader::finish() const {
  for (const auto& [key, unused] : object_.items()) {
    if (known_.count(key) != 0) continue;
    std::string expected;
    for (const std::string& k : known_) expected += (expected.empty() ? "" : ", ") + k;
    fail(origin_, path_of(key), "unknown key (expected one of: " + expected + ")");
  }
}

}  // namespace lcperf::cost::detail

#pragma once
// Strict reading of JSON input files (scenarios, specs, device profiles, traces).
//
// An ObjectReader walks one JSON object field by field. Every getter records the key
// as known, checks the value's type and range, and reports failures as InputError
// naming the origin (usually the file) and the JSON path:
//   "s.json: $.parallel.tp: must be positive (got -2)"
// finish() then rejects keys nobody asked for, listing the keys that were:
//   "s.json: unknown key 'tpp' at $.parallel (allowed: tp, pp, ...; did you mean 'tp'?)"
// so a typo never silently falls back to a default.
//
// Only json_fwd.hpp is included here to keep nlohmann's full header (slow to compile)
// out of every translation unit that reads a spec; callers that build or inspect JSON
// values include <nlohmann/json.hpp> themselves.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/input_file.hpp"

namespace lcperf::core {

// Parses JSON text. Malformed input throws InputError
// "ORIGIN:LINE:COL: malformed JSON: REASON"; a number beyond a double (1e309) and a key
// given twice in one object are InputErrors at their line and column too.
nlohmann::json parse_json(std::string_view text, const std::string& origin);
// Reads a whole file and parses it; an unreadable file is an InputError too.
nlohmann::json read_json_file(const std::string& path);
// Reads a whole file as text, bounded (core/input_file.hpp); InputError "PATH: RULE"
// when it cannot (missing, a folder, a device, over the size limit).
std::string read_text_file(const std::string& path, std::size_t max_bytes = kMaxJsonFileBytes);

// For messages: "a string", "an object", ...; and a short rendering of a value
// (long values are cut, invalid UTF-8 is replaced rather than thrown on).
std::string json_type_name(const nlohmann::json& value);
std::string describe_json(const nlohmann::json& value);

// Throws InputError "ORIGIN: PATH: MESSAGE" (the one message format of this reader).
[[noreturn]] void throw_at(const std::string& origin, const std::string& path, const std::string& message);

// Allowed interval for a number. Built fluently: Range::positive().at_most(1e6).
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;

  static Range any() { return {}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true}; }
  static Range non_negative() { return {0.0, std::numeric_limits<double>::infinity(), false}; }
  static Range at_least(double low) { return {low, std::numeric_limits<double>::infinity(), false}; }
  static Range between(double low, double high) { return {low, high, false}; }
  Range at_most(double high) const {
    Range r = *this;
    r.max = high;
    return r;
  }
  // [low, high): a share that must stay below a whole.
  Range below(double high) const {
    Range r = at_most(high);
    r.max_exclusive = true;
    return r;
  }
  // "must be positive", "must be at least 1", "must be at most 65536", "must be less
  // than 1"; nullopt when inside.
  std::optional<std::string> violation(double value) const;
};

class ObjectReader {
 public:
  // Throws InputError when `value` is not an object. The reader refers to `value`,
  // which must outlive it.
  ObjectReader(const nlohmann::json& value, std::string origin, std::string path = "$");

  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;  // "$.parallel" + "tp" -> "$.parallel.tp"
  bool has(std::string_view key) const;             // present (does not mark it known)

  // Required fields throw "missing required key 'K'" when absent; the `_or` forms
  // return the fallback when absent. A present value of the wrong type is always an
  // error (an explicit null included).
  std::string string(std::string_view key);
  std::string string_or(std::string_view key, const std::string& fallback);
  bool boolean(std::string_view key);
  bool boolean_or(std::string_view key, bool fallback);
  // Integers accept integral JSON numbers, including float spellings such as 1e6.
  std::int64_t integer(std::string_view key, const Range& range = Range::any());
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, const Range& range = Range::any());
  int int32(std::string_view key, const Range& range = Range::any());
  int int32_or(std::string_view key, int fallback, const Range& range = Range::any());
  double number(std::string_view key, const Range& range = Range::any());
  double number_or(std::string_view key, double fallback, const Range& range = Range::any());
  // A string that must be one of `allowed`; the message lists them.
  std::string choice(std::string_view key, std::initializer_list<std::string_view> allowed);
  std::string choice_or(std::string_view key, const std::string& fallback,
                        std::initializer_list<std::string_view> allowed);
  // The same with the names in a table (an enum's, core/scenario_options.hpp).
  std::string choice(std::string_view key, std::span<const std::string_view> allowed);
  std::string choice_or(std::string_view key, const std::string& fallback, std::span<const std::string_view> allowed);

  // Nested objects and arrays; elements get paths like $.lengths[3].
  ObjectReader object(std::string_view key);
  std::optional<ObjectReader> object_if_present(std::string_view key);
  std::vector<ObjectReader> objects(std::string_view key);
  std::vector<double> numbers(std::string_view key, const Range& range = Range::any());
  std::vector<std::string> strings(std::string_view key);

  // Escape hatches for values with several accepted shapes (an id or an object):
  // raw() requires the key, find() returns nullptr when absent. Both mark it known.
  const nlohmann::json& raw(std::string_view key);
  const nlohmann::json* find(std::string_view key);
  // Accepts a key without reading it (metadata such as "source" or "description").
  void ignore(std::string_view key);

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;

  // Throws for the first key that no getter asked for.
  void finish() const;

 private:
  const nlohmann::json& required(std::string_view key);
  void mark_known(std::string_view key);

  const nlohmann::json* object_;
  std::string origin_;
  std::string path_;
  std::vector<std::string> known_;  // in the order asked, for the "allowed:" list
};

}  // namespace lcperf::core

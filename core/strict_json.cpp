#include "core/strict_json.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/json_location.hpp"
#include "core/schema_recorder.hpp"

namespace lcperf::core {

using nlohmann::json;

namespace {

// nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1,
// column 5: syntax error while parsing ..."; keep only the part after the position,
// since we print our own FILE:LINE:COL in front.
std::string parse_error_reason(const std::string& what) {
  const std::size_t start = what.find("parse error");
  if (start == std::string::npos) return what;
  const std::size_t colon = what.find(": ", start);
  if (colon == std::string::npos) return what;
  return what.substr(colon + 2);
}

std::string format_number(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

// Levenshtein distance, for "did you mean" hints on misspelled keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_key(std::string_view key, const std::vector<std::string>& known) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;  // only near misses
  for (const std::string& candidate : known) {
    // Lengths this far apart cannot be a near miss; skipping them keeps a 50 MB key cheap.
    const std::size_t gap = key.size() > candidate.size() ? key.size() - candidate.size() : candidate.size() - key.size();
    if (gap >= best_distance) continue;
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

[[noreturn]] void wrong_type(const std::string& origin, const std::string& path, std::string_view expected,
                             const json& value) {
  throw_at(origin, path, "expected " + std::string(expected) + ", got " + describe_json(value));
}

std::int64_t to_integer(const json& value, const std::string& origin, const std::string& path) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw_at(origin, path, "integer " + value.dump() + " is too large");
    }
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is the first double outside int64; integral floats such as 1e6 are accepted.
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  wrong_type(origin, path, "an integer", value);
}

void check_range(double value, const Range& range, const std::string& origin, const std::string& path,
                 const json& shown) {
  if (auto broken = range.violation(value)) throw_at(origin, path, *broken + " (got " + describe_json(shown) + ")");
}

double to_number(const json& value, const std::string& origin, const std::string& path) {
  if (!value.is_number()) wrong_type(origin, path, "a number", value);
  return value.get<double>();
}

// A character iterator over JSON text that records how far the parser has read, so the
// parse callback can place a key, and an overflowing number, at a line and column.
class TrackedChars {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedChars(const char* at, const char** consumed) : at_(at), consumed_(consumed) {}
  reference operator*() const {
    *consumed_ = at_ + 1;
    return *at_;
  }
  TrackedChars& operator++() {
    ++at_;
    return *this;
  }
  TrackedChars operator++(int) {
    TrackedChars before = *this;
    ++at_;
    return before;
  }
  bool operator==(const TrackedChars& other) const { return at_ == other.at_; }
  bool operator!=(const TrackedChars& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  const char** consumed_;
};

// A key or value text shortened for messages.
std::string describe_text(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  // Appending, not operator+ on a literal: GCC 12 warns falsely (-Wrestrict) on that.
  std::string shown(1, '\'');
  shown += text.substr(0, kMaxShown);
  if (text.size() <= kMaxShown) return shown += '\'';
  shown += "...' (";
  shown += std::to_string(text.size());
  return shown += " characters)";
}

// Follows the parse to refuse an object key given twice (nlohmann keeps the last one
// silently, so a scenario would run with a value its author may not have meant).
class KeyTracker {
 public:
  using Where = std::function<std::string(std::size_t)>;
  KeyTracker(std::string_view text, const std::string& origin, Where where)
      : text_(text), origin_(origin), where_(std::move(where)) {}

  void on_event(json::parse_event_t event, const json& parsed, std::size_t consumed) {
    switch (event) {
      case json::parse_event_t::object_start: frames_.push_back({true, {}, {}, 0}); break;
      case json::parse_event_t::array_start: frames_.push_back({false, {}, {}, 0}); break;
      case json::parse_event_t::key: on_key(parsed.get_ref<const std::string&>(), consumed); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value: element_done(); break;
    }
  }

 private:
  struct Frame {
    bool object;
    std::map<std::string, std::size_t, std::less<>> key_starts;  // key -> offset of its opening quote
    std::string key;                                             // the member being read
    std::size_t index;                                           // the element being read
  };

  void element_done() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }

  // The JSON path of the innermost open container.
  std::string path() const {
    std::string p = "$";
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      p = frames_[i].object ? child_path(p, frames_[i].key) : index_path(p, frames_[i].index);
    }
    return p;
  }

  void on_key(const std::string& key, std::size_t consumed) {
    Frame& frame = frames_.back();
    // The lexer stops on the closing quote; the key (escapes aside) and its opening quote precede it.
    const std::size_t start = consumed >= key.size() + 2 ? consumed - key.size() - 2 : 0;
    const auto [at, inserted] = frame.key_starts.emplace(key, start);
    if (!inserted) {
      throw InputError(origin_ + ":" + where_(start) + ": " + path() + ": duplicate key " + describe_text(key) +
                       " (first at " + where_(at->second) + "); each key may appear once");
    }
    frame.key = key;
  }

  std::string_view text_;
  const std::string& origin_;
  Where where_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json(std::string_view text, const std::string& origin) {
  const char* consumed = text.data();
  const auto where = [&](std::size_t offset) {
    const TextPosition pos = position_of_offset(text, offset);
    return std::to_string(pos.line) + ":" + std::to_string(pos.column);
  };
  KeyTracker keys(text, origin, where);
  try {
    return json::parse(TrackedChars(text.data(), &consumed), TrackedChars(text.data() + text.size(), &consumed),
                       [&](int, json::parse_event_t event, json& parsed) {
                         keys.on_event(event, parsed, static_cast<std::size_t>(consumed - text.data()));
                         return true;
                       });
  } catch (const json::parse_error& error) {
    // `byte` is 1-based: the index of the last character read, one past the end at EOF.
    const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
    throw InputError(origin + ":" + where(offset) + ": malformed JSON: " + parse_error_reason(error.what()));
  } catch (const json::out_of_range& error) {
    // A number beyond a double (1e309): the lexer has read one character past it.
    const std::size_t end = static_cast<std::size_t>(consumed - text.data());
    const std::string what = error.what();
    const std::size_t quote = what.find('\'');
    const std::string token = quote == std::string::npos ? "" : what.substr(quote + 1, what.rfind('\'') - quote - 1);
    const std::size_t start = end > token.size() ? end - 1 - token.size() : 0;
    throw InputError(origin + ":" + where(start) + ": number " + describe_text(token) +
                     " is out of range (JSON numbers must fit a double, |x| < 1.8e308)");
  }
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) { return read_input_file(path, max_bytes); }

json read_json_file(const std::string& path) { return parse_json(read_text_file(path), path); }

std::string json_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
  return "an unsupported value";
}

std::string describe_json(const json& value) {
  if (value.is_object() || value.is_array()) return json_type_name(value);
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kMaxShown = 60;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  if (value.is_string()) return "string " + text;
  return text;
}

void throw_at(const std::string& origin, const std::string& path, const std::string& message) {
  throw InputError(origin + ": " + path + ": " + message);
}

std::optional<std::string> Range::violation(double value) const {
  if (std::isnan(value)) return std::string("must be a number");
  const bool too_low = min_exclusive ? !(value > min) : value < min;
  if (too_low) {
    if (min == 0.0) return std::string(min_exclusive ? "must be positive" : "must not be negative");
    return (min_exclusive ? "must be greater than " : "must be at least ") + format_number(min);
  }
  if (max_exclusive && !(value < max)) return "must be less than " + format_number(max);
  if (value > max) return "must be at most " + format_number(max);
  return std::nullopt;
}

// ---- ObjectReader ----

namespace {

// Getters call one another (string_or -> string -> required -> find); only the
// outermost one, which knows the most (a default, the allowed names), is recorded.
thread_local int getter_depth = 0;

class SchemaNote {
 public:
  template <class Describe>
  SchemaNote(const ObjectReader& reader, std::string_view key, Describe&& describe) {
    if (getter_depth++ == 0 && SchemaRecorder::active_for(reader.origin())) {
      SchemaRecorder::note_key(reader.path(), key, describe());
    }
  }
  ~SchemaNote() { --getter_depth; }
  SchemaNote(const SchemaNote&) = delete;
  SchemaNote& operator=(const SchemaNote&) = delete;
};

json typed(const char* type) { return json{{"type", type}}; }

json with_range(json schema, const Range& range) {
  if (std::isfinite(range.min)) schema[range.min_exclusive ? "exclusiveMinimum" : "minimum"] = range.min;
  if (std::isfinite(range.max)) schema[range.max_exclusive ? "exclusiveMaximum" : "maximum"] = range.max;
  return schema;
}

json with_default(json schema, json fallback) {
  schema["default"] = std::move(fallback);
  return schema;
}

json named(std::span<const std::string_view> allowed) {
  json names = json::array();
  for (std::string_view name : allowed) names.push_back(std::string(name));
  return json{{"type", "string"}, {"enum", names}};
}

}  // namespace

ObjectReader::ObjectReader(const json& value, std::string origin, std::string path)
    : object_(&value), origin_(std::move(origin)), path_(std::move(path)) {
  if (!value.is_object()) wrong_type(origin_, path_, "an object", value);
  if (SchemaRecorder::active_for(origin_)) SchemaRecorder::note_object(path_);
}

std::string ObjectReader::path_of(std::string_view key) const { return child_path(path_, key); }

bool ObjectReader::has(std::string_view key) const { return object_->find(key) != object_->end(); }

void ObjectReader::mark_known(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

const json* ObjectReader::find(std::string_view key) {
  const SchemaNote note(*this, key, [] { return json::object(); });
  mark_known(key);
  const auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

const json& ObjectReader::required(std::string_view key) {
  const json* value = find(key);
  if (value != nullptr) return *value;
  std::string message = "missing required key '" + std::string(key) + "'";
  // A misspelled key would only be reported by finish(), after this error; name it now.
  std::vector<std::string> unread;
  for (const auto& item : object_->items()) {
    if (std::find(known_.begin(), known_.end(), item.key()) == known_.end()) unread.push_back(item.key());
  }
  for (const std::string& candidate : unread) {
    if (closest_key(candidate, {std::string(key)})) {
      message += " (is '" + candidate + "' a misspelling?)";
      break;
    }
  }
  fail_here(message);
}

const json& ObjectReader::raw(std::string_view key) { return required(key); }

void ObjectReader::ignore(std::string_view key) {
  const SchemaNote note(*this, key, [] { return json::object(); });
  mark_known(key);
}

void ObjectReader::fail(std::string_view key, const std::string& message) const {
  throw_at(origin_, path_of(key), message);
}

void ObjectReader::fail_here(const std::string& message) const { throw_at(origin_, path_, message); }

std::string ObjectReader::string(std::string_view key) {
  const SchemaNote note(*this, key, [] { return typed("string"); });
  const json& value = required(key);
  if (!value.is_string()) wrong_type(origin_, path_of(key), "a string", value);
  return value.get<std::string>();
}

std::string ObjectReader::string_or(std::string_view key, const std::string& fallback) {
  const SchemaNote note(*this, key, [&] { return with_default(typed("string"), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return string(key);
}

bool ObjectReader::boolean(std::string_view key) {
  const SchemaNote note(*this, key, [] { return typed("boolean"); });
  const json& value = required(key);
  if (!value.is_boolean()) wrong_type(origin_, path_of(key), "true or false", value);
  return value.get<bool>();
}

bool ObjectReader::boolean_or(std::string_view key, bool fallback) {
  const SchemaNote note(*this, key, [&] { return with_default(typed("boolean"), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return boolean(key);
}

std::int64_t ObjectReader::integer(std::string_view key, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_range(typed("integer"), range); });
  const json& value = required(key);
  const std::string path = path_of(key);
  const std::int64_t result = to_integer(value, origin_, path);
  check_range(static_cast<double>(result), range, origin_, path, value);
  return result;
}

std::int64_t ObjectReader::integer_or(std::string_view key, std::int64_t fallback, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_default(with_range(typed("integer"), range), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return integer(key, range);
}

int ObjectReader::int32(std::string_view key, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_range(typed("integer"), range); });
  const Range clamped{std::max(range.min, static_cast<double>(std::numeric_limits<int>::min())),
                      std::min(range.max, static_cast<double>(std::numeric_limits<int>::max())), range.min_exclusive,
                      range.max_exclusive};
  return static_cast<int>(integer(key, clamped));
}

int ObjectReader::int32_or(std::string_view key, int fallback, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_default(with_range(typed("integer"), range), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return int32(key, range);
}

double ObjectReader::number(std::string_view key, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_range(typed("number"), range); });
  const json& value = required(key);
  const std::string path = path_of(key);
  const double result = to_number(value, origin_, path);
  check_range(result, range, origin_, path, value);
  return result;
}

double ObjectReader::number_or(std::string_view key, double fallback, const Range& range) {
  const SchemaNote note(*this, key, [&] { return with_default(with_range(typed("number"), range), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return number(key, range);
}

std::string ObjectReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
  return choice(key, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::string ObjectReader::choice_or(std::string_view key, const std::string& fallback,
                                    std::initializer_list<std::string_view> allowed) {
  return choice_or(key, fallback, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::string ObjectReader::choice(std::string_view key, std::span<const std::string_view> allowed) {
  const SchemaNote note(*this, key, [&] { return named(allowed); });
  const std::string value = string(key);
  for (std::string_view option : allowed) {
    if (option == value) return value;
  }
  std::vector<std::string> options(allowed.begin(), allowed.end());
  fail(key, "'" + value + "' is not one of: " + join(options));
}

std::string ObjectReader::choice_or(std::string_view key, const std::string& fallback,
                                    std::span<const std::string_view> allowed) {
  const SchemaNote note(*this, key, [&] { return with_default(named(allowed), fallback); });
  if (!has(key)) {
    mark_known(key);  // absent is fine, but the key is still an allowed one
    return fallback;
  }
  return choice(key, allowed);
}

ObjectReader ObjectReader::object(std::string_view key) {
  const SchemaNote note(*this, key, [] { return typed("object"); });
  return ObjectReader(required(key), origin_, path_of(key));
}

std::optional<ObjectReader> ObjectReader::object_if_present(std::string_view key) {
  const SchemaNote note(*this, key, [] { return typed("object"); });
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  return ObjectReader(*value, origin_, path_of(key));
}

namespace {

const json& require_array(const json& value, const std::string& origin, const std::string& path) {
  if (!value.is_array()) wrong_type(origin, path, "an array", value);
  return value;
}

}  // namespace

std::vector<ObjectReader> ObjectReader::objects(std::string_view key) {
  const SchemaNote note(*this, key, [] { return json{{"type", "array"}, {"items", typed("object")}}; });
  const std::string path = path_of(key);
  const json& array = require_array(required(key), origin_, path);
  std::vector<ObjectReader> readers;
  readers.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) readers.emplace_back(array[i], origin_, index_path(path, i));
  return readers;
}

std::vector<double> ObjectReader::numbers(std::string_view key, const Range& range) {
  const SchemaNote note(*this, key, [&] { return json{{"type", "array"}, {"items", with_range(typed("number"), range)}}; });
  const std::string path = path_of(key);
  const json& array = require_array(required(key), origin_, path);
  std::vector<double> values;
  values.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string element_path = index_path(path, i);
    const double value = to_number(array[i], origin_, element_path);
    check_range(value, range, origin_, element_path, array[i]);
    values.push_back(value);
  }
  return values;
}

std::vector<std::string> ObjectReader::strings(std::string_view key) {
  const SchemaNote note(*this, key, [] { return json{{"type", "array"}, {"items", typed("string")}}; });
  const std::string path = path_of(key);
  const json& array = require_array(required(key), origin_, path);
  std::vector<std::string> values;
  values.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) wrong_type(origin_, index_path(path, i), "a string", array[i]);
    values.push_back(array[i].get<std::string>());
  }
  return values;
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = origin_ + ": unknown key " + describe_text(key) + " at " + path_ + " (allowed: " + join(known_);
    if (auto hint = closest_key(key, known_)) message += "; did you mean '" + *hint + "'?";
    throw InputError(message + ")");
  }
}

}  // namespace lcperf::core

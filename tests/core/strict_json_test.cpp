// The strict JSON reader: syntax errors with line:column, schema errors with JSON paths.
#include "core/strict_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/json_location.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

using nlohmann::json;
using test::expect_input_error;

TEST(JsonLocation, OffsetsBecomeLinesAndCharacterColumns) {
  const std::string text = "ab\ncd\n\xC3\xA9x";  // "é" is two bytes but one column
  EXPECT_EQ(position_of_offset(text, 0).line, 1u);
  EXPECT_EQ(position_of_offset(text, 0).column, 1u);
  EXPECT_EQ(position_of_offset(text, 4).line, 2u);
  EXPECT_EQ(position_of_offset(text, 4).column, 2u);
  EXPECT_EQ(position_of_offset(text, 8).line, 3u);
  EXPECT_EQ(position_of_offset(text, 8).column, 2u);
  EXPECT_EQ(position_of_offset(text, 1000).column, 3u);  // clamped to the end
}

TEST(JsonLocation, PathsQuoteOddKeys) {
  EXPECT_EQ(child_path("$", "parallel"), "$.parallel");
  EXPECT_EQ(child_path("$.a", "x y"), "$.a[\"x y\"]");
  EXPECT_EQ(child_path("$", "q\"k"), "$[\"q\\\"k\"]");
  EXPECT_EQ(index_path("$.lengths", 3), "$.lengths[3]");
}

TEST(StrictJson, MalformedJsonReportsFileLineAndColumn) {
  expect_input_error([] { parse_json("{\n  \"a\": 1,\n  \"b\": tru\n}", "x.json"); },
                     {"x.json:3:", "malformed JSON: ", "invalid literal"});
  expect_input_error([] { parse_json("{\n  \"a\": 1,\n  \"b\": 2,\n}", "x.json"); }, {"x.json:4:1: malformed JSON"});
  expect_input_error([] { parse_json("{\"a\": [1, 2", "t.json"); }, {"t.json:1:", "malformed JSON"});
  expect_input_error([] { parse_json("", "e.json"); }, {"e.json:1:1: malformed JSON"});
}

TEST(StrictJson, UnreadableFileIsAnInputError) {
  expect_input_error([] { read_json_file("/nonexistent/dir/x.json"); }, {"/nonexistent/dir/x.json: cannot read file"});
}

TEST(StrictJson, ReadsTypedFieldsWithDefaults) {
  const json doc = json::parse(R"({"s": "x", "b": true, "i": 12, "f": 1e6, "d": 0.5, "c": "gpipe"})");
  ObjectReader r(doc, "o.json");
  EXPECT_EQ(r.string("s"), "x");
  EXPECT_TRUE(r.boolean("b"));
  EXPECT_EQ(r.int32("i"), 12);
  EXPECT_EQ(r.integer("f"), 1000000);  // integral floats are integers
  EXPECT_DOUBLE_EQ(r.number("d", Range::between(0, 1)), 0.5);
  EXPECT_EQ(r.choice("c", {"1f1b", "gpipe"}), "gpipe");
  EXPECT_EQ(r.string_or("absent", "fallback"), "fallback");
  EXPECT_EQ(r.int32_or("absent_int", 3), 3);
  EXPECT_FALSE(r.boolean_or("absent_bool", false));
  EXPECT_NO_THROW(r.finish());
}

TEST(StrictJson, UnknownKeyNamesPathAllowedKeysAndTheNearestOne) {
  const json doc = json::parse(R"({"parallel": {"tp": 2, "tpp": 4}})");
  ObjectReader root(doc, "s.json");
  ObjectReader parallel = root.object("parallel");
  parallel.int32("tp");
  parallel.int32_or("pp", 1);
  expect_input_error([&] { parallel.finish(); },
                     {"s.json: unknown key 'tpp' at $.parallel (allowed: tp, pp", "did you mean 'tp'?"});
}

TEST(StrictJson, TypeErrorsNameThePath) {
  const json doc = json::parse(R"({"a": {"b": "4", "c": 2.5, "n": null, "o": [1]}})");
  ObjectReader a = ObjectReader(doc, "s.json").object("a");
  expect_input_error([&] { a.integer("b"); }, {"s.json: $.a.b: expected an integer, got string \"4\""});
  expect_input_error([&] { a.integer("c"); }, {"$.a.c: expected an integer, got 2.5"});
  expect_input_error([&] { a.string("n"); }, {"$.a.n: expected a string, got null"});
  expect_input_error([&] { a.object("o"); }, {"$.a.o: expected an object, got an array"});
  expect_input_error([&] { a.number("missing"); }, {"s.json: $.a: missing required key 'missing'"});
}

TEST(StrictJson, RangesAndChoicesExplainTheRule) {
  const json doc = json::parse(R"({"neg": -4, "zero": 0, "big": 70000, "frac": 1.5, "huge": 18446744073709551615,
                                  "mode": "zigzag", "int": 3000000000})");
  ObjectReader r(doc, "s.json");
  expect_input_error([&] { r.integer("neg", Range::positive()); }, {"$.neg: must be positive (got -4)"});
  expect_input_error([&] { r.number("zero", Range::positive()); }, {"$.zero: must be positive (got 0)"});
  expect_input_error([&] { r.number("neg", Range::non_negative()); }, {"$.neg: must not be negative (got -4)"});
  expect_input_error([&] { r.int32("big", Range::positive().at_most(65536)); }, {"$.big: must be at most 65536"});
  expect_input_error([&] { r.number("frac", Range::between(0, 1)); }, {"$.frac: must be at most 1 (got 1.5)"});
  expect_input_error([&] { r.integer("huge"); }, {"$.huge: integer 18446744073709551615 is too large"});
  expect_input_error([&] { r.int32("int"); }, {"$.int: must be at most 2147483647"});
  expect_input_error([&] { r.choice("mode", {"1f1b", "gpipe"}); }, {"$.mode: 'zigzag' is not one of: 1f1b, gpipe"});
}

TEST(StrictJson, ArraysGetIndexedPaths) {
  const json doc = json::parse(R"({"xs": [1, 2, -3], "names": ["a", 5], "items": [{"k": 1}, {"k": "x"}]})");
  ObjectReader r(doc, "s.json");
  expect_input_error([&] { r.numbers("xs", Range::non_negative()); }, {"$.xs[2]: must not be negative (got -3)"});
  expect_input_error([&] { r.strings("names"); }, {"$.names[1]: expected a string, got 5"});
  std::vector<ObjectReader> items = r.objects("items");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].int32("k"), 1);
  expect_input_error([&] { items[1].int32("k"); }, {"$.items[1].k: expected an integer"});
}

TEST(StrictJson, RawAndIgnoreMarkKeysKnown) {
  const json doc = json::parse(R"({"model": "x", "source": "paper", "opt": {}})");
  ObjectReader r(doc, "s.json");
  EXPECT_TRUE(r.raw("model").is_string());
  r.ignore("source");
  EXPECT_TRUE(r.object_if_present("opt").has_value());
  EXPECT_FALSE(r.object_if_present("none").has_value());
  EXPECT_EQ(r.find("also_none"), nullptr);
  EXPECT_NO_THROW(r.finish());
}

TEST(StrictJson, DescribeCutsLongValues) {
  EXPECT_EQ(describe_json(json("ab")), "string \"ab\"");
  EXPECT_EQ(describe_json(json::object()), "an object");
  EXPECT_LT(describe_json(json(std::string(500, 'x'))).size(), 80u);
}

}  // namespace
}  // namespace lcperf::core

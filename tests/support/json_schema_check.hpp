#pragma once
// A small JSON Schema checker for the tests: the keywords schema/*.schema.json use
// (type, enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum, properties,
// additionalProperties (false or a schema), items, anyOf, required). It returns the violations with
// their JSON paths, so a test can say where the schema and the loader disagree.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lcperf::test {

inline bool has_schema_type(const nlohmann::json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer() || value.is_number_unsigned()) return true;
    return value.is_number_float() && value.get<double>() == static_cast<double>(static_cast<long long>(value.get<double>()));
  }
  return false;
}

inline void check_against_schema(const nlohmann::json& schema, const nlohmann::json& value, const std::string& path,
                                 std::vector<std::string>& violations) {
  if (const auto any = schema.find("anyOf"); any != schema.end()) {
    bool matched = false;
    for (const auto& option : *any) {
      std::vector<std::string> inner;
      check_against_schema(option, value, path, inner);
      matched = matched || inner.empty();
    }
    if (!matched) violations.push_back(path + ": matches none of anyOf");
  }
  if (const auto type = schema.find("type"); type != schema.end() && !has_schema_type(value, type->get<std::string>())) {
    violations.push_back(path + ": not of type " + type->get<std::string>());
    return;
  }
  if (const auto names = schema.find("enum"); names != schema.end()) {
    if (std::find(names->begin(), names->end(), value) == names->end()) violations.push_back(path + ": not in enum");
  }
  if (value.is_number()) {
    const double v = value.get<double>();
    if (schema.contains("minimum") && v < schema["minimum"].get<double>()) violations.push_back(path + ": below minimum");
    if (schema.contains("maximum") && v > schema["maximum"].get<double>()) violations.push_back(path + ": above maximum");
    if (schema.contains("exclusiveMinimum") && !(v > schema["exclusiveMinimum"].get<double>())) {
      violations.push_back(path + ": not above exclusiveMinimum");
    }
    if (schema.contains("exclusiveMaximum") && !(v < schema["exclusiveMaximum"].get<double>())) {
      violations.push_back(path + ": not below exclusiveMaximum");
    }
  }
  if (value.is_object()) {
    const nlohmann::json properties = schema.value("properties", nlohmann::json::object());
    for (const auto& [key, member] : value.items()) {
      if (const auto p = properties.find(key); p != properties.end()) {
        check_against_schema(*p, member, path + "." + key, violations);
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false) {
        violations.push_back(path + ": unknown key '" + key + "'");
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
        check_against_schema(schema["additionalProperties"], member, path + "." + key, violations);
      }
    }
    for (const auto& key : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(key.get<std::string>())) violations.push_back(path + ": missing '" + key.get<std::string>() + "'");
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_against_schema(schema["items"], value[i], path + "[" + std::to_string(i) + "]", violations);
    }
  }
}

inline std::vector<std::string> schema_violations(const nlohmann::json& schema, const nlohmann::json& value) {
  std::vector<std::string> violations;
  check_against_schema(schema, value, "$", violations);
  return violations;
}

}  // namespace lcperf::test

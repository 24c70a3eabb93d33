#include "core/schema_recorder.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

namespace lcperf::core {

using nlohmann::json;

// One place in the document: the shapes its value was read as (several when branches
// read it differently), the keys of its object form, the element of its array form.
struct SchemaRecorder::Node {
  std::vector<json> variants;
  bool object = false;  // an ObjectReader read it: a closed object
  std::map<std::string, std::unique_ptr<Node>> properties;
  std::unique_ptr<Node> items;

  Node& child(const std::string& key) {
    std::unique_ptr<Node>& node = properties[key];
    if (!node) node = std::make_unique<Node>();
    return *node;
  }
  Node& element() {
    if (!items) items = std::make_unique<Node>();
    return *items;
  }
  // A default that depends on the file (a name that defaults to the file's id, NICs that
  // default to the GPUs per node) is no default of the schema: variants that differ only
  // in it become one without it.
  void add_variant(const json& schema) {
    if (std::find(variants.begin(), variants.end(), schema) != variants.end()) return;
    for (json& known : variants) {
      if (without_default(known) == without_default(schema)) {
        known = without_default(known);
        return;
      }
    }
    variants.push_back(schema);
  }
  static json without_default(json schema) {
    schema.erase("default");
    return schema;
  }

  json render() const {
    json out = json::object();
    const bool any = variants.empty() || std::any_of(variants.begin(), variants.end(), [](const json& v) { return v.empty(); });
    if (!any) {
      if (variants.size() == 1) {
        out = variants.front();
      } else {
        out["anyOf"] = variants;
      }
    }
    if (object) {
      json props = json::object();
      for (const auto& [key, node] : properties) props[key] = node->render();
      out["properties"] = props;
      out["additionalProperties"] = false;
    }
    if (items) {
      const json element = items->render();
      if (out.contains("items")) {
        out["items"].update(element);
      } else {
        out["items"] = element;
      }
    }
    return out;
  }
};

namespace {

thread_local SchemaRecorder* installed = nullptr;
thread_local const std::string* installed_origin = nullptr;
thread_local SchemaRecorder::Node* installed_root = nullptr;

// "$.a.b[3].c" -> the node for it (array indices all share the element node).
SchemaRecorder::Node* node_at(SchemaRecorder::Node& root, const std::string& path) {
  SchemaRecorder::Node* node = &root;
  std::size_t i = path.starts_with("$") ? 1 : 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      const std::size_t end = path.find_first_of(".[", i + 1);
      node = &node->child(path.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1));
      i = end == std::string::npos ? path.size() : end;
    } else if (path[i] == '[' && i + 1 < path.size() && path[i + 1] == '"') {
      std::string key;
      std::size_t j = i + 2;
      for (; j < path.size() && path[j] != '"'; ++j) {
        if (path[j] == '\\' && j + 1 < path.size()) ++j;
        key += path[j];
      }
      node = &node->child(key);
      i = j + 2;  // past `"]`
    } else if (path[i] == '[') {
      node = &node->element();
      const std::size_t end = path.find(']', i);
      i = end == std::string::npos ? path.size() : end + 1;
    } else {
      return nullptr;  // not a path this reader writes
    }
  }
  return node;
}

}  // namespace

SchemaRecorder::SchemaRecorder() : root_(std::make_unique<Node>()) {}

SchemaRecorder::~SchemaRecorder() { clear(); }

void SchemaRecorder::record(const std::string& origin) {
  origin_ = origin;
  installed = this;
  installed_origin = &origin_;
  installed_root = root_.get();
}

void SchemaRecorder::clear() {
  if (installed != this) return;
  installed = nullptr;
  installed_origin = nullptr;
  installed_root = nullptr;
}

bool SchemaRecorder::active_for(const std::string& origin) {
  return installed != nullptr && *installed_origin == origin;
}

void SchemaRecorder::note_object(const std::string& path) {
  if (Node* node = node_at(*installed_root, path)) node->object = true;
}

void SchemaRecorder::note_key(const std::string& object_path, std::string_view key, const json& schema) {
  Node* parent = node_at(*installed_root, object_path);
  if (parent == nullptr) return;
  parent->object = true;
  parent->child(std::string(key)).add_variant(schema);
}

json SchemaRecorder::schema(const std::string& title, const std::string& description) const {
  json out = root_->render();
  json document = json::object();
  document["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  document["title"] = title;
  document["description"] = description;
  document["type"] = "object";
  for (auto& [key, value] : out.items()) document[key] = value;
  return document;
}

}  // namespace lcperf::core

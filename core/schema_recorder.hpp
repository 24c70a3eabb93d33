#pragma once
// A JSON Schema written by the loader itself.
//
// While a SchemaRecorder is installed (one per thread), every ObjectReader getter that
// reads a key of an object whose origin is the recorder's file notes the key, its type,
// range, allowed names and default; every ObjectReader notes that its object is closed
// (unknown keys are refused). Loading all shipped scenarios under one recorder gives a
// schema of every option the loader reads on the branches those scenarios take, so the
// published schema (schema/scenario.schema.json, `lcperf schema`) cannot drift from the
// loader: a test regenerates it and compares.
//
// Keys read through the escape hatches (raw, find: an id or an object) get no type; the
// properties of the object form still apply, since JSON Schema applies `properties`
// only to objects.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace lcperf::core {

class SchemaRecorder {
 public:
  SchemaRecorder();
  ~SchemaRecorder();
  SchemaRecorder(const SchemaRecorder&) = delete;
  SchemaRecorder& operator=(const SchemaRecorder&) = delete;

  // Readers whose origin is `origin` are recorded (data files a scenario names are read
  // under their own name first, then again as part of the scenario: only that counts).
  // Installs this recorder as the thread's while it is set; clear() uninstalls it.
  void record(const std::string& origin);
  void clear();

  // Draft 2020-12 schema of everything recorded, titled `title`.
  nlohmann::json schema(const std::string& title, const std::string& description) const;

  // Called by ObjectReader; no-ops unless a recorder is installed for `origin`.
  static bool active_for(const std::string& origin);
  static void note_object(const std::string& path);
  static void note_key(const std::string& object_path, std::string_view key, const nlohmann::json& schema);

  struct Node;  // defined in the .cpp

 private:
  std::unique_ptr<Node> root_;
  std::string origin_;
};

}  // namespace lcperf::core

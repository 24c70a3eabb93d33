// The `lcperf` Python module: simulate, replay, cost and sweep on dicts (or JSON text,
// or files), returning the result dicts the `lcperf` command writes as JSON. The work is
// in module_runs.cpp; this file only converts Python objects to JSON text and back.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "python/module_runs.hpp"

namespace py = pybind11;

namespace lcperf::python {
namespace {

py::object from_json(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

std::string to_json(const py::handle& value) { return py::module_::import("json").attr("dumps")(value).cast<std::string>(); }

bool is_json_text(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{';
}

// A dict, JSON text, or a path (str or os.PathLike).
ScenarioSource scenario_source(const py::object& scenario) {
  if (py::isinstance<py::dict>(scenario)) return {to_json(scenario), ""};
  const std::string text = py::str(py::module_::import("os").attr("fspath")(scenario));
  if (is_json_text(text)) return {text, ""};
  return {"", text};
}

// {"parallel.tp": 4} or ["parallel.tp=4"]: the --set overrides.
std::vector<std::string> override_texts(const py::object& overrides) {
  std::vector<std::string> texts;
  if (overrides.is_none()) return texts;
  if (py::isinstance<py::dict>(overrides)) {
    for (const auto& [path, value] : overrides.cast<py::dict>()) {
      texts.push_back(py::str(path).cast<std::string>() + "=" + to_json(value));
    }
    return texts;
  }
  for (const py::handle& item : overrides) texts.push_back(py::str(item).cast<std::string>());
  return texts;
}

std::string op_text(const py::object& op) { return py::isinstance<py::str>(op) ? op.cast<std::string>() : to_json(op); }

}  // namespace
}  // namespace lcperf::python

PYBIND11_MODULE(lcperf, m) {
  using namespace lcperf::python;
  m.doc() = "lcperf: performance modelling for long-context LLM training and serving (python/README.md)";
  m.attr("__version__") = lcperf::core::lcperf_version();
  // Bad input (the CLI's exit code 2) is a ValueError naming the file, JSON path and rule.
  py::register_exception<lcperf::core::InputError>(m, "InputError", PyExc_ValueError);

  m.def(
      "simulate",
      [](const py::object& scenario, const py::object& overrides) {
        const ScenarioSource source = scenario_source(scenario);
        const std::vector<std::string> texts = override_texts(overrides);
        std::string result;
        {
          const py::gil_scoped_release release;
          result = simulate(source, texts);
        }
        return from_json(result);
      },
      py::arg("scenario"), py::arg("overrides") = py::none(),
      "Simulate a training or serving scenario (dict, JSON text or file); returns result.json as a dict.\n"
      "overrides: {\"parallel.tp\": 4} or [\"parallel.tp=4\"], like --set.");
  m.def(
      "replay",
      [](const py::object& scenario, const py::object& trace, const py::object& format, const py::object& overrides) {
        const ScenarioSource source = scenario_source(scenario);
        const std::vector<std::string> texts = override_texts(overrides);
        const std::string trace_text = trace.is_none() ? "" : py::str(py::module_::import("os").attr("fspath")(trace)).cast<std::string>();
        const std::string format_text = format.is_none() ? "" : format.cast<std::string>();
        std::string result;
        {
          const py::gil_scoped_release release;
          result = replay(source, texts, trace_text, format_text);
        }
        return from_json(result);
      },
      py::arg("scenario"), py::arg("trace") = py::none(), py::arg("format") = py::none(),
      py::arg("overrides") = py::none(),
      "Replay a serving trace (the scenario's, or trace=FILE with format=azure|mooncake|burstgpt); returns result.json.");
  m.def(
      "cost", [](const std::string& device, const py::object& op) { return from_json(cost(device, op_text(op))); },
      py::arg("device"), py::arg("op"),
      "Price one op (dict or JSON, cost_models/README.md) on a device profile; returns what `lcperf cost` prints.");
  m.def(
      "sweep",
      [](const py::object& sweep_file, const std::string& out, int jobs) {
        const ScenarioSource source = scenario_source(sweep_file);
        std::string result;
        {
          const py::gil_scoped_release release;
          result = sweep(source, out, jobs);
        }
        return from_json(result);
      },
      py::arg("sweep"), py::arg("out"), py::arg("jobs") = 2,
      "Run a sweep (dict, JSON text or file, sweeps/README.md) into folder `out` (resumable);\n"
      "returns {out, results, best, pruned}.");
}

#include "python/module_runs.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "core/scenario.hpp"
#include "cost_models/op_json.hpp"
#include "cost_models/op_price_json.hpp"
#include "reports/result_json.hpp"
#include "runs/serving_run.hpp"
#include "runs/training_run.hpp"

namespace lcperf::python {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// A private folder for one call's files, removed when the call returns.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "lcperf-python-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `work` in a forked child (SimGrid allows one simulation per process, and a
// Python session calls many). The child writes its answer, or its error message, into
// the scratch folder and leaves with the CLI's exit code; the parent rethrows errors
// as the CLI would have reported them.
std::string run_in_child(const std::function<std::string()>& work) {
  const ScratchDir scratch;
  const fs::path answer = scratch.path() / "answer.json";
  const fs::path error = scratch.path() / "error.txt";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int code = core::kExitSuccess;
    try {
      const std::string text = work();
      std::ofstream(answer, std::ios::binary) << text;
    } catch (const core::InputError& e) {
      std::ofstream(error) << e.what();
      code = core::kExitBadInput;
    } catch (const std::exception& e) {
      std::ofstream(error) << e.what();
      code = core::kExitInternalFailure;
    } catch (...) {
      code = core::kExitInternalFailure;
    }
    ::_exit(code);  // no Python or C++ exit handlers of the parent run in the child
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFSIGNALED(status)) throw std::runtime_error("the simulation was killed by signal " + std::to_string(WTERMSIG(status)));
  const int code = WEXITSTATUS(status);
  if (code == core::kExitSuccess) return read_file(answer);
  const std::string message = read_file(error);
  if (code == core::kExitBadInput) throw core::InputError(message);
  throw std::runtime_error(message.empty() ? "the simulation failed (exit code " + std::to_string(code) + ")" : message);
}

core::Scenario load(const ScenarioSource& source, const std::vector<std::string>& override_texts) {
  std::vector<core::Override> overrides;
  for (const std::string& text : override_texts) overrides.push_back(core::parse_override(text));
  if (source.text.empty()) return core::load_scenario(source.path, overrides);
  return core::load_scenario_text(source.text, "<scenario dict>", overrides);
}

void throw_if_stopped(const core::RunRecords& records) {
  if (!records.stopped_reason.empty()) {
    throw core::RunStoppedError(records.stopped_reason + "; raise sim.max_events to run it whole");
  }
}

std::string serving_result(const core::Scenario& scenario, const std::string& trace, const std::string& format) {
  const runs::ServingRun run = runs::run_serving(scenario, trace, format);
  throw_if_stopped(run.records);
  return run.result_json;
}

std::string training_result(const core::Scenario& scenario) {
  const runs::TrainingRun run = runs::run_training(scenario);
  throw_if_stopped(run.records);
  const ScratchDir scratch;
  const fs::path path = scratch.path() / "result.json";
  reports::write_training_result_json(path.string(), run.result, run.scenario, core::lcperf_version());
  return read_file(path);
}

std::string read_json_or_empty(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) ? read_file(path) : "null";
}

}  // namespace

std::string simulate(const ScenarioSource& scenario, const std::vector<std::string>& overrides) {
  return run_in_child([&] {
    const core::Scenario s = load(scenario, overrides);
    return s.kind == core::ScenarioKind::serving ? serving_result(s, "", "") : training_result(s);
  });
}

std::string replay(const ScenarioSource& scenario, const std::vector<std::string>& overrides, const std::string& trace,
                   const std::string& format) {
  return run_in_child([&] {
    const core::Scenario s = load(scenario, overrides);
    if (s.kind != core::ScenarioKind::serving) {
      const std::string where = scenario.text.empty() ? scenario.path : "<scenario dict>";
      throw core::InputError(where + ": $.kind: replay needs a serving scenario (got \"" +
                             std::string(to_string(s.kind)) + "\")");
    }
    return serving_result(s, trace, format);
  });
}

std::string cost(const std::string& device, const std::string& op_json) {
  return cost::price_op_json_text(device, cost::parse_op_json(op_json, "op"));
}

std::string sweep(const ScenarioSource& sweep_file, const std::string& out_dir, int jobs) {
  // The command itself, in this process: it simulates only in forked children, and its
  // resuming, pruning and ranking stay in one place. It reads a file, so a sweep given
  // as text goes to one first, its base made absolute (it is relative to the sweep file).
  const ScratchDir scratch;
  std::string sweep_path = sweep_file.path;
  if (!sweep_file.text.empty()) {
    json spec;
    try {
      spec = json::parse(sweep_file.text);
    } catch (const json::parse_error& e) {
      throw core::InputError(std::string("<sweep text>: malformed JSON: ") + e.what());
    }
    if (spec.is_object() && spec.contains("base") && spec["base"].is_string() &&
        fs::path(spec["base"].get<std::string>()).is_relative()) {
      spec["base"] = fs::absolute(spec["base"].get<std::string>()).string();
    }
    sweep_path = (scratch.path() / "sweep.json").string();
    std::ofstream(sweep_path) << spec.dump(2);
  }
  const std::string jobs_text = std::to_string(jobs);
  std::vector<std::string> args = {"lcperf", "sweep", sweep_path, "--out", out_dir, "--jobs", jobs_text};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int code = cli::run_main(static_cast<int>(args.size()), argv.data());
  if (code == core::kExitBadInput) throw core::InputError(sweep_path + ": the sweep was refused (the message above says why)");
  if (code != core::kExitSuccess) throw std::runtime_error(sweep_path + ": the sweep failed (exit code " + std::to_string(code) + ")");

  json out;
  out["out"] = out_dir;
  json rows = json::array();
  std::istringstream lines(read_json_or_empty(fs::path(out_dir) / "results.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line != "null") rows.push_back(json::parse(line));
  }
  out["results"] = std::move(rows);
  out["best"] = json::parse(read_json_or_empty(fs::path(out_dir) / "best.json"));
  out["pruned"] = json::parse(read_json_or_empty(fs::path(out_dir) / "pruned.json"));
  return out.dump();
}

}  // namespace lcperf::python

#include "studies/chunkflow_study.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "reports/chunkflow_labels.hpp"

namespace lcperf::studies {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) throw core::InputError(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  return files;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void require_strategy(const core::Scenario& s, core::Strategy strategy) {
  if (s.strategy.name != strategy) {
    throw core::InputError(s.source_path + ": $.strategy.name must be '" + std::string(to_string(strategy)) +
                           "' for this study (got '" + std::string(to_string(s.strategy.name)) + "')");
  }
}

// A path as the reader finds it in the repository: relative to the data folder's parent.
std::string display_path(const std::string& data_dir, const std::string& path) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(data_dir, ec), ec).parent_path();
  const fs::path file = fs::weakly_canonical(fs::absolute(path, ec), ec);
  const fs::path rel = file.lexically_relative(root);
  return rel.empty() ? fs::path(path).filename().string() : rel.generic_string();
}

// The run of one scenario: its outcome (of chunkflow_runs(), in order) and its file.
reports::ChunkflowRun run_of(const ChunkflowStudy& study, const core::Scenario& scenario,
                             const runs::ForkedOutcome& outcome) {
  return {scenario, display_path(study.data_dir, scenario.source_path), outcome.result, outcome.svg};
}

// Every failure is named; bad input in any run makes the whole an input error.
void throw_if_any_failed(const std::vector<runs::ForkedOutcome>& outcomes) {
  std::string failures;
  bool input_error = false;
  for (const runs::ForkedOutcome& outcome : outcomes) {
    if (outcome.ok) continue;
    failures += "\n  " + outcome.id + ": " + outcome.error;
    input_error = input_error || outcome.input_error;
  }
  if (failures.empty()) return;
  const std::string message = "reproduce chunkflow: some simulations failed:" + failures;
  if (input_error) throw core::InputError(message);
  throw std::runtime_error(message);
}

}  // namespace

ChunkflowStudy plan_chunkflow_study(const std::string& data_dir, bool quick) {
  ChunkflowStudy study;
  study.data_dir = data_dir;
  study.quick = quick;
  const fs::path dir = fs::path(data_dir) / "chunkflow";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::InputError(dir.string() + ": the ChunkFlow scenario folder is missing");

  // The ablation decides which model and context the quick run and the timelines use.
  for (const fs::path& file : json_files(dir / "ablation")) {
    core::Scenario s = core::load_scenario(file.string());
    require_strategy(s, core::Strategy::chunkflow);
    study.ablation.push_back(std::move(s));
  }
  if (study.ablation.empty()) throw core::InputError((dir / "ablation").string() + ": no ablation scenarios found");
  std::stable_sort(study.ablation.begin(), study.ablation.end(), [](const core::Scenario& a, const core::Scenario& b) {
    return a.strategy.chunk_size < b.strategy.chunk_size;
  });
  if (quick && study.ablation.size() > 2) {
    study.ablation = {study.ablation.front(), study.ablation.back()};
  }
  const core::Scenario& reference = study.ablation.front();

  const std::string suffix = "-megatron.json";
  for (const fs::path& file : json_files(dir)) {
    const std::string name = file.filename().string();
    if (!ends_with(name, suffix)) continue;
    const fs::path partner = dir / (name.substr(0, name.size() - suffix.size()) + "-chunkflow.json");
    if (!fs::exists(partner, ec)) {
      throw core::InputError(file.string() + ": no ChunkFlow partner " + partner.filename().string());
    }
    ChunkflowPair pair{core::load_scenario(file.string()), core::load_scenario(partner.string()), false};
    require_strategy(pair.megatron, core::Strategy::megatron);
    require_strategy(pair.chunkflow, core::Strategy::chunkflow);
    if (quick && pair.chunkflow.model.id != reference.model.id) continue;
    pair.timeline = pair.chunkflow.model.id == reference.model.id &&
                    pair.chunkflow.workload.context_length == reference.workload.context_length;
    study.pairs.push_back(std::move(pair));
  }
  if (study.pairs.empty()) throw core::InputError(dir.string() + ": no <name>-megatron.json / <name>-chunkflow.json pairs found");
  std::stable_sort(study.pairs.begin(), study.pairs.end(), [](const ChunkflowPair& a, const ChunkflowPair& b) {
    const auto key = [](const ChunkflowPair& p) {
      return std::make_pair(p.chunkflow.model.total_params(), p.chunkflow.workload.context_length);
    };
    return key(a) < key(b);
  });
  for (std::size_t i = 0; i < study.pairs.size(); ++i) {
    if (study.pairs[i].timeline && study.baseline_pair < 0) {
      study.baseline_pair = static_cast<int>(i);
    } else {
      study.pairs[i].timeline = false;  // one pair of pictures is enough
    }
  }

  for (const core::Scenario& a : study.ablation) {
    core::Scenario s = core::load_scenario(
        a.source_path, {core::Override{"workload.context_length", std::to_string(kShortContext)}});
    s.name += "-ctx" + reports::kilo_label(kShortContext);
    study.ablation_short.push_back(std::move(s));
  }
  return study;
}

std::vector<runs::ForkedRun> chunkflow_runs(const ChunkflowStudy& study) {
  std::vector<runs::ForkedRun> planned;
  for (const ChunkflowPair& p : study.pairs) {
    const std::string where = reports::pair_label(p.chunkflow);
    planned.push_back({p.megatron.name, p.megatron, p.timeline,
                    "Megatron-LM baseline, " + where + " (TP rank 0 of each stage and DP replica)", {}});
    planned.push_back({p.chunkflow.name, p.chunkflow, p.timeline,
                    "ChunkFlow " + reports::chunk_label(p.chunkflow) + ", " + where + " (TP rank 0 of each stage and DP replica)", {}});
  }
  for (const core::Scenario& s : study.ablation) planned.push_back({s.name, s, false, "", {}});
  for (const core::Scenario& s : study.ablation_short) planned.push_back({s.name, s, false, "", {}});
  return planned;
}

reports::ChunkflowResults run_chunkflow_study(const ChunkflowStudy& study, int jobs,
                                              const runs::ForkedProgress& progress) {
  const std::vector<runs::ForkedOutcome> outcomes = runs::run_forked(chunkflow_runs(study), jobs, progress);
  throw_if_any_failed(outcomes);
  reports::ChunkflowResults results;
  results.quick = study.quick;
  results.short_context = kShortContext;
  results.baseline_pair = study.baseline_pair;
  auto outcome = outcomes.begin();  // in chunkflow_runs() order
  for (const ChunkflowPair& p : study.pairs) {
    reports::ChunkflowRun megatron = run_of(study, p.megatron, *outcome++);
    reports::ChunkflowRun chunkflow = run_of(study, p.chunkflow, *outcome++);
    results.pairs.push_back({std::move(megatron), std::move(chunkflow), p.timeline});
  }
  for (const core::Scenario& s : study.ablation) results.ablation.push_back(run_of(study, s, *outcome++));
  for (const core::Scenario& s : study.ablation_short) results.ablation_short.push_back(run_of(study, s, *outcome++));
  return results;
}

}  // namespace lcperf::studies

#include "schedulers/training/pipeline_schedule.hpp"

#include <algorithm>
#include <optional>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

namespace {

using Kind = PipelineStep::Kind;

void check(int pp, int stage, int micro_batches) {
  if (pp < 1 || stage < 0 || stage >= pp || micro_batches < 1) {
    throw core::InputError(
        "pipeline schedule needs pp >= 1, 0 <= stage < pp and at least one micro-batch (got pp=" + std::to_string(pp) +
        ", stage=" + std::to_string(stage) + ", micro_batches=" + std::to_string(micro_batches) + ")");
  }
}

}  // namespace

std::vector<PipelineStep> gpipe_schedule(int pp, int stage, int micro_batches) {
  check(pp, stage, micro_batches);
  std::vector<PipelineStep> steps;
  steps.reserve(2 * static_cast<std::size_t>(micro_batches));
  for (int j = 0; j < micro_batches; ++j) steps.push_back({Kind::forward, j});
  for (int j = 0; j < micro_batches; ++j) steps.push_back({Kind::backward, j});
  return steps;
}

std::vector<PipelineStep> one_f_one_b_schedule(int pp, int stage, int micro_batches) {
  check(pp, stage, micro_batches);
  // Later stages need fewer forwards in flight before the first backward can arrive.
  const int warmup = std::min(pp - stage - 1, micro_batches);
  std::vector<PipelineStep> steps;
  steps.reserve(2 * static_cast<std::size_t>(micro_batches));
  int next_forward = 0;
  int next_backward = 0;
  for (; next_forward < warmup; ++next_forward) steps.push_back({Kind::forward, next_forward});
  while (next_forward < micro_batches) {  // steady state: one forward, one backward
    steps.push_back({Kind::forward, next_forward++});
    steps.push_back({Kind::backward, next_backward++});
  }
  while (next_backward < micro_batches) steps.push_back({Kind::backward, next_backward++});  // cool-down
  return steps;
}

std::vector<PipelineStep> interleaved_1f1b_schedule(int pp, int stage, int micro_batches, int virtual_stages) {
  check(pp, stage, micro_batches);
  const int v = virtual_stages;
  if (v < 1 || micro_batches % pp != 0) {
    throw core::InputError("interleaved 1F1B needs virtual_stages >= 1 and micro-batches (" +
                           std::to_string(micro_batches) + ") a multiple of pp (" + std::to_string(pp) + ")");
  }
  const int total = micro_batches * v;
  // Step k of a rank's forwards visits micro-batches in groups of p, cycling through
  // its chunks: chunk (k mod pv) / p, micro-batch (k / pv) p + k mod p. Backwards
  // visit the chunks in reverse.
  auto at = [pp, v](int k, bool backward) {
    const int chunk = (k % (pp * v)) / pp;
    return PipelineStep{backward ? Kind::backward : Kind::forward, (k / (pp * v)) * pp + k % pp,
                        backward ? v - 1 - chunk : chunk};
  };
  const int warmup = std::min(total, (pp - stage - 1) * 2 + (v - 1) * pp);
  std::vector<PipelineStep> steps;
  steps.reserve(2 * static_cast<std::size_t>(total));
  int next_forward = 0;
  int next_backward = 0;
  for (; next_forward < warmup; ++next_forward) steps.push_back(at(next_forward, false));
  while (next_forward < total) {
    steps.push_back(at(next_forward++, false));
    steps.push_back(at(next_backward++, true));
  }
  while (next_backward < total) steps.push_back(at(next_backward++, true));
  return steps;
}

namespace {

[[noreturn]] void throw_unknown_schedule(std::string_view name) {
  throw core::InputError("pipeline schedule \"" + std::string(name) +
                         "\" is not available (known: gpipe, 1f1b, interleaved_1f1b)");
}

}  // namespace

std::vector<PipelineStep> make_pipeline_schedule(core::PipelineSchedule schedule, int pp, int stage,
                                                 int micro_batches, int virtual_stages) {
  if ((virtual_stages != 1) != (schedule == core::PipelineSchedule::interleaved_1f1b)) {
    throw core::InputError("virtual_stages > 1 goes with the interleaved_1f1b schedule and only with it (got \"" +
                           std::string(to_string(schedule)) + "\" with virtual_stages " +
                           std::to_string(virtual_stages) + ")");
  }
  switch (schedule) {
    case core::PipelineSchedule::gpipe:
      return gpipe_schedule(pp, stage, micro_batches);
    case core::PipelineSchedule::one_f_one_b:
      return one_f_one_b_schedule(pp, stage, micro_batches);
    case core::PipelineSchedule::interleaved_1f1b:
      return interleaved_1f1b_schedule(pp, stage, micro_batches, virtual_stages);
  }
  throw_unknown_schedule(to_string(schedule));
}

std::vector<PipelineStep> make_pipeline_schedule(std::string_view name, int pp, int stage, int micro_batches,
                                                 int virtual_stages) {
  const std::optional<core::PipelineSchedule> schedule = core::parse_option<core::PipelineSchedule>(name);
  if (!schedule) throw_unknown_schedule(name);
  return make_pipeline_schedule(*schedule, pp, stage, micro_batches, virtual_stages);
}

int max_in_flight(const std::vector<PipelineStep>& steps) {
  int live = 0;
  int most = 0;
  for (const PipelineStep& s : steps) {
    live += s.kind == Kind::forward ? 1 : -1;
    most = std::max(most, live);
  }
  return most;
}

std::string to_string(const std::vector<PipelineStep>& steps) {
  std::string text;
  for (const PipelineStep& s : steps) {
    if (!text.empty()) text += ' ';
    text += s.kind == Kind::forward ? 'F' : 'B';
    text += std::to_string(s.micro_batch);
    if (s.model_chunk != 0) {
      text += '.';
      text += std::to_string(s.model_chunk);
    }
  }
  return text;
}

}  // namespace lcperf::schedulers::training

#include "runs/forked_runs.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runs/serving_outputs.hpp"
#include "runs/serving_run.hpp"
#include "runs/training_run.hpp"
#include "core/errors.hpp"
#include "core/parallel_config.hpp"
#include "reports/pipeline_svg.hpp"
#include "sim/simulator.hpp"

namespace lcperf::runs {

namespace {

using nlohmann::json;

// Exit codes of a child; the payload on the pipe carries the details.
constexpr int kChildOk = 0;
constexpr int kChildFailed = 1;
constexpr int kChildBadInput = 2;

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

json result_to_json(const core::TrainingResult& r) {
  return json{{"scenario", r.scenario},
              {"seed", r.seed},
              {"iteration_time_s", r.iteration_time_s},
              {"tokens_per_s", r.tokens_per_s},
              {"mfu", r.mfu},
              {"bubble_ratio", r.bubble_ratio},
              {"dp_imbalance", r.dp_imbalance},
              {"peak_memory_bytes", r.peak_memory_bytes},
              {"peak_memory_bytes_per_rank", r.peak_memory_bytes_per_rank},
              {"oom", r.oom},
              {"oom_rank", r.oom_detail.rank},
              {"oom_tag", static_cast<int>(r.oom_detail.tag)},
              {"oom_time_s", r.oom_detail.time_s},
              {"oom_requested_bytes", r.oom_detail.requested_bytes},
              {"oom_in_use_bytes", r.oom_detail.in_use_bytes},
              {"oom_capacity_bytes", r.oom_detail.capacity_bytes},
              {"recompute_time_s", r.recompute_time_s},
              {"breakdown_compute_s", r.time_breakdown.compute_s},
              {"breakdown_fixed_s", r.time_breakdown.fixed_s},
              {"breakdown_exposed_communication_s", r.time_breakdown.exposed_communication_s},
              {"breakdown_idle_s", r.time_breakdown.idle_s},
              {"events_simulated", r.events_simulated},
              {"wall_time_s", r.wall_time_s},
              {"simulated_time_s", r.simulated_time_s},
              {"tokens_per_iteration", r.tokens_per_iteration},
              {"model_flops_per_iteration", r.model_flops_per_iteration},
              {"world_size", r.world_size}};
}

core::TrainingResult result_from_json(const json& j) {
  core::TrainingResult r;
  r.scenario = j.at("scenario").get<std::string>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.iteration_time_s = j.at("iteration_time_s").get<double>();
  r.tokens_per_s = j.at("tokens_per_s").get<double>();
  r.mfu = j.at("mfu").get<double>();
  r.bubble_ratio = j.at("bubble_ratio").get<double>();
  r.dp_imbalance = j.at("dp_imbalance").get<double>();
  r.peak_memory_bytes = j.at("peak_memory_bytes").get<std::int64_t>();
  r.peak_memory_bytes_per_rank = j.at("peak_memory_bytes_per_rank").get<std::vector<std::int64_t>>();
  r.oom = j.at("oom").get<bool>();
  r.oom_detail.happened = r.oom;
  r.oom_detail.rank = j.at("oom_rank").get<int>();
  r.oom_detail.tag = static_cast<core::MemoryTag>(j.at("oom_tag").get<int>());
  r.oom_detail.time_s = j.at("oom_time_s").get<double>();
  r.oom_detail.requested_bytes = j.at("oom_requested_bytes").get<std::int64_t>();
  r.oom_detail.in_use_bytes = j.at("oom_in_use_bytes").get<std::int64_t>();
  r.oom_detail.capacity_bytes = j.at("oom_capacity_bytes").get<std::int64_t>();
  r.recompute_time_s = j.at("recompute_time_s").get<double>();
  r.time_breakdown.compute_s = j.at("breakdown_compute_s").get<double>();
  r.time_breakdown.fixed_s = j.at("breakdown_fixed_s").get<double>();
  r.time_breakdown.exposed_communication_s = j.at("breakdown_exposed_communication_s").get<double>();
  r.time_breakdown.idle_s = j.at("breakdown_idle_s").get<double>();
  r.events_simulated = j.at("events_simulated").get<std::uint64_t>();
  r.wall_time_s = j.at("wall_time_s").get<double>();
  r.simulated_time_s = j.at("simulated_time_s").get<double>();
  r.tokens_per_iteration = j.at("tokens_per_iteration").get<std::int64_t>();
  r.model_flops_per_iteration = j.at("model_flops_per_iteration").get<double>();
  r.world_size = j.at("world_size").get<int>();
  return r;
}

// The figures a measured row compares, from a serving result.json.
ServingFigures serving_figures_from_json(const json& j) {
  ServingFigures f;
  f.ttft_p50_s = j.at("ttft_s").at("p50").get<double>();
  f.ttft_mean_s = j.at("ttft_s").at("mean").get<double>();
  f.tpot_p50_s = j.at("tpot_s").at("p50").get<double>();
  f.tpot_mean_s = j.at("tpot_s").at("mean").get<double>();
  f.e2e_p50_s = j.at("e2e_s").at("p50").get<double>();
  f.throughput_tokens_per_s = j.at("throughput_tokens_per_s").get<double>();
  f.output_tokens_per_s = j.at("output_tokens_per_s").get<double>();
  f.gpus = j.at("tp").get<int>() * j.at("pp").get<int>() * j.at("instances").get<int>();
  f.oom = j.at("oom").get<bool>();
  return f;
}

// The timeline of one tensor-parallel rank per (pipeline stage, DP replica): the other
// TP ranks run the same ops at the same times, and leaving them out keeps the SVG small.
std::string timeline_svg(const TrainingRun& run, const std::string& title) {
  core::RunRecords shown;
  shown.oom = run.records.oom;
  shown.end_time_s = run.records.end_time_s;
  for (const core::TimelineRecord& record : run.records.timeline) {
    const core::RankCoord coord = core::coord_of(run.scenario.parallel, record.rank);
    if (coord.tp == 0 && coord.cp == 0) shown.timeline.push_back(record);
  }
  reports::PipelineSvgOptions options;
  options.title = title;
  return reports::pipeline_svg(shown, options);
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the parent went away; nothing left to tell
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Runs in the child: simulate, send the JSON payload, and leave without running the
// parent's atexit handlers or flushing its inherited stream buffers.
[[noreturn]] void child_main(const ForkedRun& run, int fd) {
  json payload;
  int code = kChildOk;
  try {
    // A run the simulation budget stopped is a failed row, not a result.
    const auto fail_if_stopped = [](const core::RunRecords& records) {
      if (!records.stopped_reason.empty()) throw core::RunStoppedError(records.stopped_reason);
    };
    if (run.scenario.kind == core::ScenarioKind::serving) {
      const ServingRun serving = run_serving(run.scenario);
      fail_if_stopped(serving.records);
      if (!run.serving_files_dir.empty()) write_serving_files(serving, run.serving_files_dir);
      payload["serving"] = json::parse(serving.result_json);
    } else {
      const TrainingRun training = run_training(run.scenario);
      fail_if_stopped(training.records);
      payload["result"] = result_to_json(training.result);
      if (run.want_svg) payload["svg"] = timeline_svg(training, run.svg_title);
    }
  } catch (const core::InputError& error) {
    payload = json{{"error", error.what()}, {"input_error", true}};
    code = kChildBadInput;
  } catch (const core::RunStoppedError& error) {
    payload = json{{"error", std::string("stopped: ") + error.what()}};
    code = kChildFailed;
  } catch (const sim::DeadlockError& error) {
    payload = json{{"error", std::string("the simulated op programs deadlocked\n") + error.what()}};
    code = kChildFailed;
  } catch (const std::exception& error) {
    payload = json{{"error", std::string("internal failure: ") + error.what()}};
    code = kChildFailed;
  } catch (...) {
    payload = json{{"error", "internal failure: unknown exception"}};
    code = kChildFailed;
  }
  std::string text;
  try {
    text = payload.dump();
  } catch (...) {
    code = kChildFailed;  // e.g. invalid UTF-8 in a message; the parent reports no payload
  }
  write_all(fd, text);
  ::close(fd);
  ::_exit(code);
}

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  std::string data;
};

ForkedOutcome decode(const ForkedRun& run, const std::string& data, int status) {
  ForkedOutcome outcome;
  outcome.id = run.id;
  if (WIFSIGNALED(status)) {
    outcome.error = "the child process was killed by signal " + std::to_string(WTERMSIG(status));
    return outcome;
  }
  json payload;
  try {
    payload = json::parse(data);
  } catch (const json::exception&) {
    outcome.error = "the child process exited with status " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " and sent no result";
    return outcome;
  }
  if (payload.contains("error")) {
    outcome.error = payload.at("error").get<std::string>();
    outcome.input_error = payload.value("input_error", false);
    return outcome;
  }
  try {
    if (payload.contains("serving")) {
      outcome.serving = true;
      outcome.serving_figures = serving_figures_from_json(payload.at("serving"));
      outcome.serving_result_json = payload.at("serving").dump(2) + "\n";
      outcome.ok = true;
      return outcome;
    }
    outcome.result = result_from_json(payload.at("result"));
    if (payload.contains("svg")) outcome.svg = payload.at("svg").get<std::string>();
    outcome.ok = true;
  } catch (const json::exception& error) {
    outcome.error = std::string("the child process sent a malformed result: ") + error.what();
  }
  return outcome;
}

Child spawn(const ForkedRun& run, std::size_t index) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(system_error("cannot create a pipe for run " + run.id));
  // Anything buffered now would be written twice: once by the parent, once by the child.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string message = system_error("cannot fork for run " + run.id);
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(message);
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(run, fds[1]);
  }
  ::close(fds[1]);
  return Child{pid, fds[0], index, {}};
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

}  // namespace

std::vector<ForkedOutcome> run_forked(const std::vector<ForkedRun>& runs, int jobs, const ForkedProgress& progress) {
  if (jobs < 1) jobs = 1;
  std::vector<ForkedOutcome> outcomes(runs.size());
  std::vector<Child> active;
  std::size_t next = 0;
  std::size_t done = 0;
  try {
    while (next < runs.size() || !active.empty()) {
      while (next < runs.size() && active.size() < static_cast<std::size_t>(jobs)) {
        active.push_back(spawn(runs[next], next));
        ++next;
      }
      std::vector<pollfd> polled;
      polled.reserve(active.size());
      for (const Child& child : active) polled.push_back(pollfd{child.fd, POLLIN, 0});
      if (::poll(polled.data(), polled.size(), -1) < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(system_error("poll on the result pipes failed"));
      }
      std::vector<Child> still;
      for (std::size_t i = 0; i < active.size(); ++i) {
        Child& child = active[i];
        bool finished = false;
        if (polled[i].revents != 0) {
          char buffer[65536];
          const ssize_t n = ::read(child.fd, buffer, sizeof buffer);
          if (n > 0) {
            child.data.append(buffer, static_cast<std::size_t>(n));
          } else if (n == 0 || errno != EINTR) {
            finished = true;  // end of file (or a broken pipe): the child is done writing
          }
        }
        if (!finished) {
          still.push_back(std::move(child));
          continue;
        }
        ::close(child.fd);
        const int status = wait_for(child.pid);
        outcomes[child.index] = decode(runs[child.index], child.data, status);
        ++done;
        if (progress) progress(outcomes[child.index], done, runs.size());
      }
      active = std::move(still);
    }
  } catch (...) {
    // Leave no orphans behind: stop and reap the children this call started.
    for (const Child& child : active) {
      ::kill(child.pid, SIGKILL);
      ::close(child.fd);
      wait_for(child.pid);
    }
    throw;
  }
  return outcomes;
}

}  // namespace lcperf::runs

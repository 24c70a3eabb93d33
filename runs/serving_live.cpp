#include "runs/serving_live.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "backends/cpu/cpu_runtime.hpp"
#include "runs/serving_run.hpp"
#include "core/errors.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"

namespace lcperf::runs {

namespace {

namespace serving = schedulers::serving;

ServingRuntimeOutcome outcome_of(const core::RunRecords& records, const ServingPrograms& built,
                                 const std::vector<serving::ServingRequest>& requests) {
  ServingRuntimeOutcome out;
  out.decisions = records.decisions;
  out.end_time_s = records.end_time_s;
  // One instance holds every request (the comparison runs a single instance), in the
  // order of the request list.
  const serving::EngineRecords& r = *built.records.front();
  for (const auto& times : r.token_times_s) out.output_tokens_per_request.push_back(static_cast<std::int64_t>(times.size()));
  for (const serving::ServingRequest& q : requests) out.expected_output_tokens.push_back(q.output_tokens);
  out.counters = r.counters;
  return out;
}

// Length-prefixed fields: decision details are free text.
void put(std::ostream& o, const std::string& s) { o << s.size() << ' ' << s; }
std::string take(std::istream& i) {
  std::size_t n = 0;
  i >> n;
  i.get();  // the separating space
  std::string s(n, '\0');
  i.read(s.data(), static_cast<std::streamsize>(n));
  return s;
}

std::string encode(const ServingRuntimeOutcome& o) {
  std::ostringstream s;
  s.precision(17);
  s << o.end_time_s << ' ' << o.counters.steps << ' ' << o.counters.blocks_allocated << ' ' << o.counters.blocks_freed
    << ' ' << o.output_tokens_per_request.size();
  for (std::int64_t t : o.output_tokens_per_request) s << ' ' << t;
  s << ' ' << o.expected_output_tokens.size();
  for (std::int64_t t : o.expected_output_tokens) s << ' ' << t;
  s << ' ' << o.decisions.size();
  for (const core::DecisionRecord& d : o.decisions) {
    s << ' ' << d.time_s << ' ' << d.rank << ' ';
    put(s, d.kind);
    s << ' ';
    put(s, d.detail);
  }
  return s.str();
}

ServingRuntimeOutcome decode(const std::string& text) {
  std::istringstream s(text);
  ServingRuntimeOutcome o;
  std::size_t n = 0;
  s >> o.end_time_s >> o.counters.steps >> o.counters.blocks_allocated >> o.counters.blocks_freed >> n;
  o.output_tokens_per_request.resize(n);
  for (auto& t : o.output_tokens_per_request) s >> t;
  s >> n;
  o.expected_output_tokens.resize(n);
  for (auto& t : o.expected_output_tokens) s >> t;
  s >> n;
  o.decisions.resize(n);
  for (core::DecisionRecord& d : o.decisions) {
    s >> d.time_s >> d.rank;
    s.get();
    d.kind = take(s);
    s.get();
    d.detail = take(s);
  }
  if (!s) throw std::runtime_error("serving live comparison: the simulated child sent a malformed outcome");
  return o;
}

// Runs `body` in a forked child and returns what it wrote (the simulator may run only
// once per process). Exit code 0 and a full message mean success.
std::string in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("serving live comparison: pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("serving live comparison: fork failed");
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    std::string message;
    try {
      message = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "simulated child: %s\n", e.what());
      code = 1;
    }
    std::size_t done = 0;
    while (code == 0 && done < message.size()) {
      const ssize_t n = write(fds[1], message.data() + done, message.size() - done);
      if (n <= 0) code = 1;
      else done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("serving live comparison: the simulated run failed in its child process");
  }
  return text;
}

}  // namespace

std::vector<std::string> decision_lines(const std::vector<core::DecisionRecord>& decisions) {
  std::vector<std::string> lines;
  lines.reserve(decisions.size());
  for (const core::DecisionRecord& d : decisions) {
    lines.push_back(std::to_string(d.rank) + " " + d.kind + " " + d.detail);
  }
  return lines;
}

std::vector<std::string> per_rank_decision_lines(const std::vector<core::DecisionRecord>& decisions) {
  std::vector<core::DecisionRecord> sorted = decisions;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const core::DecisionRecord& a, const core::DecisionRecord& b) { return a.rank < b.rank; });
  return decision_lines(sorted);
}

ServingLiveComparison run_serving_live_and_simulated(const core::Scenario& scenario) {
  const core::Scenario& s = scenario;
  if (s.kind != core::ScenarioKind::serving) throw core::InputError(s.name + ": the live serving comparison needs a serving scenario");
  if (s.serving.instances != 1) {
    throw core::InputError(s.name + ": the live serving comparison runs one instance (serving.instances = 1)");
  }
  if (s.serving.disaggregation.enabled) {
    throw core::InputError(s.name + ": $.serving.disaggregation: the live serving comparison runs one colocated instance");
  }
  std::vector<serving::ServingRequest> requests =
      load_serving_requests(s, serving_trace_path(s), std::string(to_string(s.requests.format)));
  // One burst at t = 0 (serving_live.hpp says why).
  for (serving::ServingRequest& r : requests) r.arrival_s = 0;

  const std::string profile_id = s.sim.device_profile.empty() ? s.cluster.gpu.id : s.sim.device_profile;
  const cost::CostModel model(s.cluster.gpu, cost::load_device_profile(profile_id));
  serving::EngineConfig config = serving_engine_config(s, model);
  // Live ranks hold real buffers in this process: refuse what would exhaust the host.
  constexpr std::int64_t kLiveWeightLimit = std::int64_t{1} << 30;
  for (std::int64_t bytes : config.stage_weight_bytes) {
    if (bytes > kLiveWeightLimit) {
      throw core::InputError(s.name + ": a pipeline stage of " + s.model.id + " holds " + std::to_string(bytes >> 20) +
                             " MiB of weights; the live CPU backend runs tiny models (at most 1 GiB per stage, see "
                             "scenarios/live/)");
    }
  }
  config.log_batches = true;
  config.record_token_times = true;  // counts each request's sampled tokens; no decision reads it

  ServingLiveComparison out;
  out.simulated = decode(in_child([&] {
    const ServingPrograms built = build_serving_programs(s, requests, config);
    const core::RunRecords records = simulate_serving_programs(s, model, built.programs);
    if (!records.stopped_reason.empty()) throw core::RunStoppedError(records.stopped_reason);
    return encode(outcome_of(records, built, requests));
  }));

  const ServingPrograms built = build_serving_programs(s, requests, config);
  backends::LiveInput in;
  in.ranks = static_cast<int>(built.programs.size());
  in.program_for = [&built](int r) { return built.programs[static_cast<std::size_t>(r)]; };
  in.memory_capacity_bytes = static_cast<std::int64_t>(s.cluster.gpu.hbm_bytes);
  backends::LiveResult live = backends::cpu::run_live(in);
  out.live = outcome_of(live.records, built, requests);
  out.live_records = std::move(live.records);
  return out;
}

}  // namespace lcperf::runs

#include "sim/simulator.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "core/deadlock_report.hpp"
#include "sim/sim_runtime.hpp"
#include "sim/sim_world.hpp"
#include "sim/native_engine.hpp"
#include "sim/native_platform.hpp"
#include "sim/simgrid_engine.hpp"
#include "sim/simgrid_options.hpp"

namespace lcperf::sim {

namespace sg = simgrid::s4u;

namespace {

std::string deadlock_report(SimWorld& world) {
  std::vector<core::StuckRank> stuck;
  for (int a = 0; a < world.actors(); ++a) {
    RankState& state = world.rank_state(a);
    if (state.finished) continue;
    core::StuckRank& rank = stuck.emplace_back();
    rank.rank = world.rank_of_actor(a);
    if (state.running_inline) {
      rank.waiting_for = "blocked in " +
                         core::describe_work(state.inline_kind, "(inline)", state.inline_peer_rank, state.inline_tag,
                                             core::CollectiveKind::all_reduce, nullptr) +
                         " on stream " + std::to_string(state.inline_stream);
    } else if (state.waiting_completion != 0) {
      rank.waiting_for = "waiting for completion " + std::to_string(state.waiting_completion);
    } else {
      rank.waiting_for = "blocked outside a wait (message or sleep)";
    }
    for (const auto& [id, stream] : state.streams) {
      core::StuckStream& s = rank.streams.emplace_back();
      s.id = id;
      if (stream->busy && stream->current != nullptr) s.blocked_in = describe(*stream->current);
      s.queued = stream->queue.size();
      if (!stream->queue.empty()) s.next = describe(*stream->queue.front());
    }
  }
  return core::deadlock_report("simulation", world.engine().clock(), stuck);
}

}  // namespace

std::function<cost::Price(const core::KernelOp&)> priced_by(std::function<double(const core::KernelOp&)> time_s) {
  return [time_s = std::move(time_s)](const core::KernelOp& op) { return cost::priced(op, time_s(op)); };
}

core::RunRecords simulate(const SimulationInput& input) {
  const int fold = std::max(1, input.fold);
  if (input.ranks % fold != 0 || input.cluster.gpus_per_node % fold != 0) {
    throw std::invalid_argument("fold " + std::to_string(fold) + " must divide the ranks (" +
                                std::to_string(input.ranks) + ") and the GPUs per node (" +
                                std::to_string(input.cluster.gpus_per_node) + ")");
  }
  const std::unique_ptr<sg::Engine> engine = open_simgrid_engine(input.simgrid_args);

  int gpus = input.ranks;
  if (!input.gpu_of_rank.empty()) {
    if (static_cast<int>(input.gpu_of_rank.size()) != input.ranks) {
      throw std::invalid_argument("gpu_of_rank names " + std::to_string(input.gpu_of_rank.size()) + " ranks, not " +
                                  std::to_string(input.ranks));
    }
    gpus = 0;
    for (int r = 0; r < input.ranks; ++r) {
      const int g = input.gpu_of_rank[static_cast<std::size_t>(r)];
      if (g < 0 || g >= input.cluster.world_size() || (r % fold == 0 && g % fold != 0)) {
        throw std::invalid_argument("rank " + std::to_string(r) + " placed on GPU " + std::to_string(g) +
                                    ", which is not the first GPU of a fold group of the cluster");
      }
      gpus = std::max(gpus, g + fold);
    }
  }
  if (!input.image_of_rank.empty()) {
    const auto& image = input.image_of_rank;
    if (static_cast<int>(image.size()) != input.ranks) {
      throw std::invalid_argument("image_of_rank names " + std::to_string(image.size()) + " ranks, not " +
                                  std::to_string(input.ranks));
    }
    for (int r = 0; r < input.ranks; ++r) {
      const int i = image[static_cast<std::size_t>(r)];
      if (i < 0 || i >= input.ranks || image[static_cast<std::size_t>(i)] != i || (r - i) % fold != 0) {
        throw std::invalid_argument("rank " + std::to_string(r) + " mirrors rank " + std::to_string(i) +
                                    ", which is not a simulated rank in the same place of its tensor-parallel group");
      }
    }
  }
  // The native engine runs on lcperf's own platform (the same hosts, links and routes,
  // without SimGrid building them); SimGrid's engine, on SimGrid's.
  const bool native = input.engine == core::SimEngine::native;
  const bool mirrors = !input.image_of_rank.empty();
  Platform platform =
      native ? build_native_platform(input.cluster, gpus, input.free_communication, fold, mirrors, simgrid_loopback())
             : build_platform(input.cluster, gpus, input.free_communication, fold, mirrors);
  // Kept here too: the engine reads it until it is destroyed, after the world.
  const std::shared_ptr<const HostNetwork> network = platform.network;
  std::unique_ptr<EventEngine> events = native ? make_native_engine(*network) : make_simgrid_engine(*engine);
  SimWorld world(input, std::move(platform), *events);
  // Declared after the world, so it runs before the world is destroyed, on every way out.
  struct UnwindBlockedActors {
    EventEngine& events;
    ~UnwindBlockedActors() { events.unwind_blocked(); }
  } unwind_blocked_actors{*events};
  std::string program_error;
  for (int a = 0; a < world.actors(); ++a) {
    if (!world.simulated(a)) {
      world.rank_state(a).finished = true;  // a mirror: its image does its work
      continue;
    }
    const int r = world.rank_of_actor(a);
    core::RankProgram program = input.program_for(r);
    // The engine unwinds a killed actor with an exception that is not a std::exception,
    // so the handler below never takes it.
    auto actor = events->spawn("rank" + std::to_string(r), world.gpu(a), [&world, &program_error, a, r, program] {
      SimRuntime runtime(world, a);
      try {
        program(runtime);
        runtime.synchronize();
      } catch (const std::exception& e) {
        if (program_error.empty()) program_error = "rank " + std::to_string(r) + ": " + e.what();
        // Stop the simulation: the other ranks would wait for this one forever.
        world.engine().kill_all();
        return;
      }
      world.rank_finished(a);
    });
    world.set_rank_actor(a, actor);
  }
  events->run();

  if (!world.stopped_reason().empty()) {
    core::RunRecords partial = world.take_records();
    partial.end_time_s = events->clock();
    partial.stopped_reason = world.stopped_reason();
    return partial;
  }
  if (!program_error.empty()) throw std::runtime_error(program_error);
  for (int a = 0; a < world.actors(); ++a) {
    if (!world.rank_state(a).finished) throw DeadlockError(deadlock_report(world));
  }
  core::RunRecords records = world.take_records();
  records.end_time_s = events->clock();
  return records;
}

}  // namespace lcperf::sim

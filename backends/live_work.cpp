#include "backends/live_work.hpp"

#include <utility>

namespace lcperf::backends {

std::string describe(const Work& work) {
  return core::describe_work(work.kind, work.name, work.peer, work.tag, work.collective, work.group.get());
}

core::TimelineRecord timeline_record(int rank, int stream, Work& work) {
  core::TimelineRecord record;
  record.rank = rank;
  record.stream = stream;
  record.name = std::move(work.name);
  record.category = std::move(work.category);
  if (work.kind == Work::Kind::kernel) {
    record.flops = core::flops_of(work.op);
    record.bytes = core::bytes_of(work.op);
  } else {
    record.bytes = static_cast<double>(work.bytes);
  }
  record.micro_batch = work.micro_batch;
  return record;
}

}  // namespace lcperf::backends

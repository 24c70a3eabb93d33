// The MPI sweep team (cli/sweep_team.hpp), built as a plugin that cli/sweep_team.cpp
// opens with RTLD_DEEPBIND: libsimgrid, linked into lcperf, exports its own MPI API
// (SMPI), and only a separately loaded object can bind MPI calls to OpenMPI's libmpi.
#include <mpi.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "runs/sweep_team.hpp"

namespace lcperf::runs {
namespace {

constexpr int kLineTag = 1;
constexpr int kDoneTag = 2;

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string("MPI: ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

class MpiTeam final : public SweepTeam {
 public:
  MpiTeam() {
    // Result lines are small and sent eagerly; the simulation children are forked after
    // MPI_Init and leave with _exit without touching MPI, which OpenMPI's shared-memory
    // and TCP transports tolerate, so its fork warning would only be noise.
    ::setenv("OMPI_MCA_mpi_warn_on_fork", "0", 0);
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized == 0) check(MPI_Init(nullptr, nullptr), "MPI_Init");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // Errors come back as codes and become exceptions instead of aborting the job.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    still_sending_ = size_ - 1;
  }
  ~MpiTeam() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string transport() const override { return "mpi"; }

  std::string share_from_root(const std::string& text) override {
    unsigned long long length = is_root() ? text.size() : 0;
    check(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
    std::string shared = is_root() ? text : std::string(length, '\0');
    if (length > 0) {
      check(MPI_Bcast(shared.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
    }
    return shared;
  }

  void send_line(const std::string& line) override {
    check(MPI_Send(line.data(), static_cast<int>(line.size()), MPI_CHAR, 0, kLineTag, MPI_COMM_WORLD), "MPI_Send");
  }
  void send_done() override { check(MPI_Send(nullptr, 0, MPI_CHAR, 0, kDoneTag, MPI_COMM_WORLD), "MPI_Send"); }

  std::optional<std::string> poll_line() override { return next(/*block=*/false); }
  std::optional<std::string> wait_line() override { return next(/*block=*/true); }

 private:
  std::optional<std::string> next(bool block) {
    while (still_sending_ > 0) {
      MPI_Status status{};
      int waiting = 0;
      if (block) {
        check(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status), "MPI_Probe");
        waiting = 1;
      } else {
        check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &waiting, &status), "MPI_Iprobe");
      }
      if (waiting == 0) return std::nullopt;
      int count = 0;
      MPI_Get_count(&status, MPI_CHAR, &count);
      std::string line(static_cast<std::size_t>(count), '\0');
      check(MPI_Recv(line.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv");
      if (status.MPI_TAG == kDoneTag) {
        --still_sending_;
        continue;
      }
      return line;
    }
    return std::nullopt;
  }

  int rank_ = 0;
  int size_ = 1;
  int still_sending_ = 0;
};


}  // namespace
}  // namespace lcperf::runs

extern "C" __attribute__((visibility("default"))) lcperf::runs::SweepTeam* lcperf_make_mpi_sweep_team() {
  return new lcperf::runs::MpiTeam();
}

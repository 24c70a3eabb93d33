#pragma once
// The processes that share one sweep. Run plainly, a sweep is a team of one. Launched by
// `mpirun -np N lcperf sweep ...` (OpenMPI, or any MPI whose launcher sets the usual
// rank/size variables), the N ranks form one team: every rank enumerates and prunes the
// same configurations (deterministic and cheap), the survivors are dealt out round-robin
// by rank, and each non-root rank streams its finished result lines to rank 0, which alone
// owns the output folder (results.jsonl, pruned.json, best.json). Only this file's .cpp
// sees mpi.h.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lcperf::runs {

class SweepTeam {
 public:
  virtual ~SweepTeam() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }
  virtual std::string transport() const = 0;  // "local" or "mpi"

  // Rank 0's text on every rank (e.g. the keys already in results.jsonl, which only
  // rank 0 reads: ranks on other nodes may not see the output folder).
  virtual std::string share_from_root(const std::string& text) = 0;

  // Non-root ranks: one finished result line for rank 0, then, once, "no more".
  virtual void send_line(const std::string& line) = 0;
  virtual void send_done() = 0;

  // Rank 0: a line that has arrived, without blocking (nullopt: none waiting); and,
  // blocking, the next line or nullopt once every other rank has said "no more".
  virtual std::optional<std::string> poll_line() = 0;
  virtual std::optional<std::string> wait_line() = 0;
};

// Joins the MPI job this process was launched in, or makes a team of one. Throws
// core::InputError when launched by an MPI launcher into a binary built without MPI
// (N copies would each run the whole sweep into one folder).
std::unique_ptr<SweepTeam> join_sweep_team();

// Rank r of a team of n takes survivors r, r + n, r + 2n, ... of the ordered list.
bool dealt_to(std::size_t survivor, int rank, int size);

}  // namespace lcperf::runs

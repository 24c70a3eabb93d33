// `mpirun -np 2 lcperf sweep` on one machine: the two ranks split the surviving
// configurations, rank 0 gathers every line, and the results.jsonl set equals the one a
// single local process writes (wall times aside); a rerun under MPI resumes. A binary
// built without MPI refuses to be launched as several copies instead of letting each run
// the whole sweep into one folder.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exit_codes.hpp"
#include "runs/sweep_team.hpp"
#include "tests/support/cli_test_support.hpp"
#include "tests/support/sweep_test_support.hpp"

namespace lcperf::runs {
namespace testing = cli::testing;  // the binary-running helpers of tests/support/
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::read_file;
using testing::run_lcperf;
using testing::run_lcperf_under;
using testing::ScratchDir;
using testing::write_file;

bool have_mpirun() { return std::system("command -v mpirun >/dev/null 2>&1") == 0; }

// OpenMPI refuses root unless told; CI machines run as root. --oversubscribe lets two
// ranks start on a one-core machine.
std::vector<std::string> mpirun(int ranks) {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return {"mpirun", "-np", std::to_string(ranks), "--oversubscribe"};
}

// The lines of results.jsonl without what differs between runs (wall time).
std::multiset<std::string> result_set(const fs::path& path) {
  std::multiset<std::string> lines;
  std::istringstream in(read_file(path));
  std::string text;
  while (std::getline(in, text)) {
    json line = json::parse(text);
    line.erase("wall_time_s");
    lines.insert(line.dump());
  }
  return lines;
}

TEST(SweepMpi, TwoRanksWriteTheSameResultSetAsOneProcess) {
  if (!have_mpirun()) GTEST_SKIP() << "mpirun is not installed (tools/setup.sh installs openmpi-bin)";
  const ScratchDir dir;
  const std::string sweep = testing::write_sweep(dir);

  const testing::Invocation mpi =
      run_lcperf_under(mpirun(2), {"sweep", sweep, "--jobs", "1", "--out", (dir / "mpi").string()});
  // The MPI team is a plugin beside the binary, built when OpenMPI was found.
  if (!fs::exists(LCPERF_BINARY_DIR "/liblcperf_sweep_mpi.so")) {
    EXPECT_EQ(mpi.exit_code, core::kExitBadInput) << mpi.err;
    EXPECT_NE(mpi.err.find("built without MPI"), std::string::npos) << mpi.err;
    GTEST_SKIP() << "this lcperf was built without MPI; the refusal was checked";
  }
  ASSERT_EQ(mpi.exit_code, core::kExitSuccess) << mpi.out << mpi.err;
  EXPECT_NE(mpi.err.find("on each of 2 mpi ranks"), std::string::npos) << mpi.err;
  // Both ranks simulated a share: the 7 survivors are dealt 4 to rank 0 and 3 to rank 1.
  EXPECT_NE(mpi.err.find("rank 1 simulated 3 configurations"), std::string::npos) << mpi.err;

  const testing::Invocation local = run_lcperf({"sweep", sweep, "--jobs", "1", "--out", (dir / "local").string()});
  ASSERT_EQ(local.exit_code, core::kExitSuccess) << local.err;

  const std::multiset<std::string> expected = result_set(dir / "local" / "results.jsonl");
  ASSERT_EQ(expected.size(), 7u);
  EXPECT_EQ(result_set(dir / "mpi" / "results.jsonl"), expected);
  EXPECT_EQ(read_file(dir / "mpi" / "pruned.json"), read_file(dir / "local" / "pruned.json"));
  const json best_mpi = json::parse(read_file(dir / "mpi" / "best.json"));
  const json best_local = json::parse(read_file(dir / "local" / "best.json"));
  ASSERT_EQ(best_mpi.at("top").size(), best_local.at("top").size());
  for (std::size_t i = 0; i < best_mpi.at("top").size(); ++i) {
    EXPECT_EQ(best_mpi.at("top")[i].at("config"), best_local.at("top")[i].at("config"));
  }

  // A rerun under MPI finds everything done: nothing repeated, nothing lost.
  const std::string before = read_file(dir / "mpi" / "results.jsonl");
  const testing::Invocation again =
      run_lcperf_under(mpirun(2), {"sweep", sweep, "--jobs", "1", "--out", (dir / "mpi").string()});
  ASSERT_EQ(again.exit_code, core::kExitSuccess) << again.err;
  EXPECT_NE(again.err.find("0 to simulate"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(dir / "mpi" / "results.jsonl"), before);
}

TEST(SweepMpi, SurvivorsAreDealtRoundRobinWithoutOverlap) {
  for (int size : {1, 2, 3, 5}) {
    for (std::size_t survivor = 0; survivor < 20; ++survivor) {
      int owners = 0;
      for (int rank = 0; rank < size; ++rank) owners += dealt_to(survivor, rank, size) ? 1 : 0;
      EXPECT_EQ(owners, 1) << "survivor " << survivor << " of a team of " << size;
      EXPECT_TRUE(dealt_to(survivor, static_cast<int>(survivor % static_cast<std::size_t>(size)), size));
    }
  }
}

}  // namespace
}  // namespace lcperf::runs

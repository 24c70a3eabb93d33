#include "runs/sweep_team.hpp"

#include <cstdlib>
#include <string>

#include "core/errors.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

namespace lcperf::runs {

namespace {

// The world size an MPI launcher announced to this process, or 0 when none did.
int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      const int size = std::atoi(value);
      if (size > 0) return size;
    }
  }
  return 0;
}

class LocalTeam final : public SweepTeam {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string transport() const override { return "local"; }
  std::string share_from_root(const std::string& text) override { return text; }
  void send_line(const std::string&) override {}
  void send_done() override {}
  std::optional<std::string> poll_line() override { return std::nullopt; }
  std::optional<std::string> wait_line() override { return std::nullopt; }
};

// The MPI team lives in a plugin beside the executable (runs/plugins/sweep_team_mpi.cpp).
// Why a plugin: libsimgrid exports the whole MPI API (its SMPI emulator), so an
// executable linking both SimGrid and OpenMPI binds MPI_Init to SimGrid's. Opened with
// RTLD_DEEPBIND, the plugin resolves MPI symbols in its own dependency, libmpi, first.
std::filesystem::path plugin_path() {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(self, static_cast<std::size_t>(n))).parent_path() / "liblcperf_sweep_mpi.so";
}

using MakeTeam = SweepTeam* (*)();

MakeTeam load_mpi_plugin(std::string* why) {
  const std::filesystem::path path = plugin_path();
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    *why = "no " + path.filename().string() + " beside the executable";
    return nullptr;
  }
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) {
    *why = ::dlerror();
    return nullptr;
  }
  // Never closed: MPI keeps threads and handlers until the process ends.
  auto make = reinterpret_cast<MakeTeam>(::dlsym(handle, "lcperf_make_mpi_sweep_team"));
  if (make == nullptr) *why = path.string() + ": no lcperf_make_mpi_sweep_team";
  return make;
}

}  // namespace

std::unique_ptr<SweepTeam> join_sweep_team() {
  const int launched_as = launcher_world_size();
  if (launched_as == 0) return std::make_unique<LocalTeam>();
  std::string why;
  if (MakeTeam make = load_mpi_plugin(&why)) return std::unique_ptr<SweepTeam>(make());
  if (launched_as == 1) return std::make_unique<LocalTeam>();
  throw core::InputError("this lcperf was built without MPI, but an MPI launcher started " +
                         std::to_string(launched_as) +
                         " copies of it, and it cannot join the MPI job (" + why +
                         "): each would run the whole sweep into the same folder. Rebuild with libopenmpi-dev "
                         "installed (tools/setup.sh does), or run one process with --shard i/n per job");
}

bool dealt_to(std::size_t survivor, int rank, int size) {
  return size <= 1 || survivor % static_cast<std::size_t>(size) == static_cast<std::size_t>(rank);
}

}  // namespace lcperf::runs

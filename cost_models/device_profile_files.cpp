// Finding device profiles on disk: explicit paths first, then ids in the profile
// directory ($LCPERF_DEVICE_DIR, else cost_models/devices under core::data_root()).
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/data_root.hpp"
#include "core/errors.hpp"
#include "core/strict_json.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

namespace fs = std::filesystem;

std::string device_profile_dir() {
  const char* env = std::getenv("LCPERF_DEVICE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return (fs::path(core::data_root()) / "cost_models" / "devices").string();
}

std::vector<std::string> available_device_profiles() {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(device_profile_dir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") ids.push_back(entry.path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

DeviceProfile load_device_profile(const std::string& id_or_path) {
  if (id_or_path.empty()) throw core::InputError("device profile: empty id or path");
  std::error_code ec;
  if (fs::is_regular_file(id_or_path, ec)) return parse_device_profile(core::read_text_file(id_or_path), id_or_path);

  // Something that looks like a path but does not exist is a missing file, not an id.
  const bool looks_like_path =
      id_or_path.find('/') != std::string::npos || fs::path(id_or_path).extension() == ".json";
  if (looks_like_path) throw core::InputError(id_or_path + ": no such device profile file");

  const fs::path candidate = fs::path(device_profile_dir()) / (id_or_path + ".json");
  if (fs::is_regular_file(candidate, ec)) {
    return parse_device_profile(core::read_text_file(candidate.string()), candidate.string());
  }

  std::string known;
  for (const std::string& id : available_device_profiles()) known += (known.empty() ? "" : ", ") + id;
  throw core::InputError("device profile \"" + id_or_path + "\" not found in " + device_profile_dir() +
                         " (available: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace lcperf::cost

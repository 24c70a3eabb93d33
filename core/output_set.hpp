#pragma once
// A run's output files published as one set. They are written into a staging folder
// beside the output folder (`.NAME.partial.PID`), and put in place by one rename that
// exchanges the staging folder with the output folder. A reader, or the next run after a
// `kill -9`, sees either the previous complete set or the new complete set: never a new
// result.json beside an old timeline.json, never a truncated file.
//
// Files already in the output folder that the new set does not write (a report added by
// `lcperf report`, a user's notes) are carried over into the new set (hard links, or
// copies where links are impossible). Staging folders and `*.tmp.PID` files left by
// processes that no longer run are removed when the next set for that folder is opened.
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace lcperf::core {

class OutputSet {
 public:
  // Removes stale staging folders of `dir` and stale temporaries inside it, then creates
  // a fresh staging folder. Throws InputError when it cannot (naming the folder).
  explicit OutputSet(std::filesystem::path dir);
  ~OutputSet();  // an uncommitted set is removed; the output folder stays as it was
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // Where to write `name` now (inside the staging folder).
  std::filesystem::path staged(const std::string& name) const { return staging_ / name; }
  // Where `name` will be once the set is committed.
  std::filesystem::path published(const std::string& name) const { return dir_ / name; }
  const std::filesystem::path& staging_dir() const { return staging_; }

  // Publishes the staged files as the output folder's content, atomically.
  void commit();

 private:
  std::filesystem::path dir_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

// Output places, checked by every command before it runs anything (so an unusable --out
// is exit 2 at once, never exit 1 after minutes of simulating). Both throw InputError
// "PATH: RULE" for a name too long for the file system, a parent that is a file or
// cannot be written, and:
// - a folder that is an existing file, or holds a folder under a name the set writes
//   (`names`: committing would replace that folder);
void check_output_folder(const std::filesystem::path& dir, std::initializer_list<std::string_view> names = {});
// - a file that is an existing folder.
void check_output_file(const std::filesystem::path& file);

// Whether the process `pid` still runs (a staging folder or temporary named after it is
// still being written).
bool process_is_alive(long pid);

}  // namespace lcperf::core

# Sourced by scripts/check-identical-*.sh: reads OLD_LCPERF NEW_LCPERF [WORK_DIR] into
# $old, $new and $work (absolute; WORK_DIR defaults to a fresh temporary folder) and
# moves to the repository root, where the scenario paths of the cases are relative.
# OLD_ARGS / NEW_ARGS (environment): extra arguments for each side, e.g. the same binary
# on both engines: NEW_ARGS='--set sim.engine="native"' with OLD and NEW both build/lcperf.
if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_LCPERF NEW_LCPERF [WORK_DIR]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d)}
mkdir -p "$work"
work=$(realpath "$work")
old_args=${OLD_ARGS:-}
new_args=${NEW_ARGS:-}
cd "$(dirname "$0")/.." || exit 2

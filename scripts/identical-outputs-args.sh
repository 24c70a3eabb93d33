# Sourced by scripts/check-identical-*.sh: reads OLD_LCPERF NEW_LCPERF [WORK_DIR] into
# $old, $new and $work (absolute; WORK_DIR defaults to a fresh temporary folder) and
# moves to the repository root, where the scenario paths of the cases are relative.
if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_LCPERF NEW_LCPERF [WORK_DIR]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d)}
mkdir -p "$work"
work=$(realpath "$work")
cd "$(dirname "$0")/.." || exit 2

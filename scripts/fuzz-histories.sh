#!/usr/bin/env bash
# Replays many random crash histories (`scenario fuzz`) on the fake server, against our
# interimap and, with ENGINE=reference, against /usr/bin/interimap.
#   scripts/fuzz-histories.sh [FIRST_SEED [COUNT [STEPS]]]     (default: 1 1000 16)
# Shrunk failing histories are written to fuzz-failures/ as scenario files.
set -euo pipefail
cd "$(dirname "$0")/.."
first=${1:-1} count=${2:-1000} steps=${3:-16}
swift build --product scenario >/dev/null
swift build >/dev/null
exec nice -n 19 .build/debug/scenario fuzz --seed "$first" --seeds "$count" --steps "$steps" \
    --engine "${ENGINE:-ours}" --output fuzz-failures

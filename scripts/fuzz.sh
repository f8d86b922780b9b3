#!/usr/bin/env bash
# Runs the libFuzzer targets of Fuzz/ (the parsers that read outside data), each for SECONDS,
# starting from its committed seed corpus (Fuzz/Corpus/TARGET).
#   scripts/fuzz.sh [SECONDS [TARGET...]]        (default: 60 seconds, every target)
#   RUNS=10000000 scripts/fuzz.sh 0 response-parser   (a number of executions instead of a time)
# New interesting inputs go to Fuzz/.work/TARGET (not committed); a crash, hang or excess memory
# leaves its input in Fuzz/.work/artifacts/ and ends the script with a failure. The package is
# built apart (Fuzz/.build, release, every module with -sanitize=fuzzer), never by CI.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(response-parser command-tokenizer ini-reader statefile-reader database-reader mail-reply-reader scenario-parser)
fi
nice -n 19 swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing
mkdir -p .work/artifacts
status=0
for target in "${targets[@]}"; do
    mkdir -p ".work/$target"
    limits=(-rss_limit_mb="${RSS_MB:-1024}" -timeout="${TIMEOUT:-5}" -max_len="${MAX_LEN:-8192}")
    if [ -n "${RUNS:-}" ]; then limits+=(-runs="$RUNS"); else limits+=(-max_total_time="$seconds"); fi
    echo "== $target"
    if ! nice -n 19 ".build/release/fuzz-$target" "${limits[@]}" -print_final_stats=1 \
            -artifact_prefix=".work/artifacts/$target-" ".work/$target" "Corpus/$target"; then
        echo "fuzz-$target failed: see Fuzz/.work/artifacts/" >&2
        status=1
    fi
done
exit $status

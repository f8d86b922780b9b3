#!/usr/bin/env bash
# Measures our `interimap` (release build) against the reference (/usr/bin/interimap) on
# identical dovecot stores, in one run, and prints each figure beside the reference's with the
# ratio ours/reference.
#
#   scripts/bench-interimap.sh [--quick] [--repeat N] [--keep]
#
# The stores live on tmpfs (under /dev/shm, or $BENCH_DIR) and are served by a dovecot daemon
# that this script starts on loopback TCP with its own configuration and stops at the end; the
# "remote" of the latency workload is reached through scripts/delay-relay.py in TCP mode (10 ms
# each way). Both engines connect with `type = imap`, so neither server is in the interimap
# process tree and GNU time's figures (wall, user+sys CPU, peak RSS) are those of interimap alone.
#
# Workloads (each engine gets its own fresh copy of stores built once, and a fresh database):
#   latency  50 mailboxes x 40 messages, remote behind 10 ms each way: initial sync, a run with
#            no changes, then a resync after a flag toggle, an expunge and an append on each side
#            of every mailbox;
#   bulk     10 x 1000 messages, no delay: initial sync (wall and CPU time);
#   long     1 x 30000 messages: initial sync (peak RSS);
#   huge     1 mailbox holding one 80 MiB message: initial sync (peak RSS).
# After every run the script checks that interimap exited 0 and that both stores hold exactly the
# expected messages (Message-ID, flags and size per mailbox; for `huge` also the SHA-256 of the
# message), and at the end that both engines left identical stores. One more run of ours per
# workload with --debug (untimed, so that logging costs nothing in the figures) gives the
# commands and round trips it reports per server. Any failure stops the script with a message
# and keeps the working directory.
#
# --quick: 10x20, 3x200, 1x3000 and 8 MiB instead (a couple of minutes).  --keep: keep the
#   working directory.  --repeat N: every timed run N times (the engines alternating which goes
#   first, fresh copies each time); the table shows medians.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

quick=0 keep=0 repeat=1
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --quick) quick=1 ;;
    --repeat) repeat="${1:-}"; shift || true
      [[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "bench-interimap: --repeat needs a positive count" >&2; exit 2; } ;;
    --repeat=*) repeat="${arg#--repeat=}"
      [[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "bench-interimap: --repeat needs a positive count" >&2; exit 2; } ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-interimap: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if ((quick)); then lat_boxes=10 lat_msgs=20 bulk_boxes=3 bulk_msgs=200 long_msgs=3000 huge_mib=8
else lat_boxes=50 lat_msgs=40 bulk_boxes=10 bulk_msgs=1000 long_msgs=30000 huge_mib=80; fi
delay=0.010

./scripts/setup.sh
echo "bench: building interimap (release)" >&2
swift build -c release --product interimap >&2
ours="$(swift build -c release --show-bin-path)/interimap"
reference=/usr/bin/interimap
gnu_time=/usr/bin/time
user="${INTERIMAP_TEST_USER:-imaptest}"
for tool in "$ours" "$reference" "$gnu_time" /usr/sbin/dovecot /usr/bin/doveadm /usr/bin/python3; do
  [ -x "$tool" ] || { echo "bench-interimap: $tool is missing" >&2; exit 1; }
done
id "$user" >/dev/null 2>&1 || { echo "bench-interimap: no user $user (run scripts/setup.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench-interimap: dovecot's master process must start as root" >&2; exit 1; }

parent="${BENCH_DIR:-/dev/shm}"
[ "$(stat -f -c %T "$parent")" = tmpfs ] || echo "bench: warning: $parent is not on tmpfs; wall times will vary with disk writeback" >&2
work="$(mktemp -d "$parent/interimap-bench.XXXXXX")"
chmod 755 "$work"   # the store owner must be able to reach its store
conf="$work/dovecot.conf" relay_pid=""
export BENCH_PASSWORD="bench-$RANDOM"

stop_servers() {
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; relay_pid=""; fi
  local master_pid
  master_pid="$(cat "$work/run/master.pid" 2>/dev/null || true)"
  [ -n "$master_pid" ] || return 0
  doveadm -c "$conf" stop 2>/dev/null || kill "$master_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$master_pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "bench: dovecot (pid $master_pid) did not stop; killing it" >&2
  kill -9 "$master_pid" 2>/dev/null || true
}
finish() {
  local status=$?
  stop_servers
  if ((status != 0 || keep)); then echo "bench: working directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

die() { echo "bench-interimap: FAILED: $*" >&2; exit 1; }
trap 'echo "bench-interimap: FAILED: line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR

tool() { python3 "$root/scripts/bench-store.py" "$@"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  die "nothing listens on 127.0.0.1:$1 ($2); see $work/dovecot.log"
}

# ---------------------------------------------------------------------------------------------
# The servers: one dovecot daemon for every store (one user per store, any name logs in with
# the password; the user's home, and its maildir, is $work/homes/NAME), and the delay relay.
port="$(free_port)"
mkdir -p "$work/homes" "$work/run" "$work/state"
chown "$user:$user" "$work/homes"
"$root/scripts/bench-dovecot-conf.sh" "interimap-bench-${work##*.}" "$work/run" "$work/state" "$work/dovecot.log" \
  "$port" "$user" "$work/homes" > "$conf"
dovecot -c "$conf" || die "dovecot did not start; see $work/dovecot.log"
wait_for_port "$port" dovecot
relay_port="$(free_port)"
python3 "$root/scripts/delay-relay.py" "$delay" --listen "127.0.0.1:$relay_port" --connect "127.0.0.1:$port" \
  2>>"$work/relay.log" &
relay_pid=$!
wait_for_port "$relay_port" "the delay relay"
echo "bench: dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:$port, through 10 ms each way on 127.0.0.1:$relay_port; stores in $work" >&2

# ---------------------------------------------------------------------------------------------
# Stores. A workload's template is the pair of users t-NAME-local (filled) and t-NAME-remote
# (empty); $work/t/NAME/start.json is what the local store holds.
digest_of() { [ "$1" = huge ] && echo --digest || true; }

build_workload() {   # build_workload NAME FILL-COMMAND ARGS... (the maildir is written directly)
  local name="$1" fill="$2"; shift 2
  local t="$work/t/$name" home="$work/homes/t-$name"
  mkdir -p "$t" "$home-local/mail" "$home-remote/mail"
  tool "$fill" "$home-local" "$@"
  chown -R "$user:$user" "$home-local" "$home-remote"
  tool snapshot "$port" "t-$name-local" "$t/start.json" $(digest_of "$name")   # lets dovecot index the mail once
  tool snapshot "$port" "t-$name-remote" "$t/remote-start.json"
  [ "$(tool summary "$t/remote-start.json")" = "1 mailboxes, 0 messages" ] || die "workload $name: the remote store is not empty"
  echo "bench: workload $name ready: local store $(tool summary "$t/start.json"), remote store empty" >&2
}

# copy_workload NAME COPY [delayed]: users COPY-NAME-local/remote copied from the template, a fresh
# database and $work/runs/COPY-NAME/interimap.conf.
copy_workload() {
  local name="$1" copy="$2" d="$work/runs/$2-$1" side remote_port="$port"
  [ "${3:-}" = delayed ] && remote_port="$relay_port"
  rm -rf "$d"; mkdir -p "$d/data"
  for side in local remote; do
    rm -rf "$work/homes/$copy-$name-$side"
    cp -a "$work/homes/t-$name-$side" "$work/homes/$copy-$name-$side"
  done
  { echo "database = $d/data/interimap.db"
    for side in local remote; do
      printf '\n[%s]\ntype = imap\nhost = 127.0.0.1\nport = %s\nSTARTTLS = NO\nusername = %s\npassword = %s\n' \
        "$side" "$([ "$side" = remote ] && echo "$remote_port" || echo "$port")" "$copy-$name-$side" "$BENCH_PASSWORD"
    done
  } > "$d/interimap.conf"
}

# ---------------------------------------------------------------------------------------------
# Runs. figures[ROW|ENGINE|wall/cpu/rss] collects one value per round; counts[ROW] is what ours
# reported with --debug.
declare -A figures counts
runs=0

# run_phase ROW NAME COPY ENGINE EXPECTED.json: one run of ENGINE (ours, reference, or count: ours
# with --debug), measured by GNU time and checked.
run_phase() {
  local row="$1" name="$2" copy="$3" engine="$4" expected="$5"
  local d="$work/runs/$copy-$name" binary="$ours" args=() status=0
  case "$engine" in reference) binary="$reference" ;; count) args=(--debug) ;; esac
  runs=$((runs + 1))
  local log="$d/run-$runs.log" times="$d/run-$runs.time"
  echo "bench: [${SECONDS}s] $engine: $row" >&2
  XDG_DATA_HOME="$d/data" "$gnu_time" -f "%e %U %S %M" -o "$times" \
    "$binary" --config="$d/interimap.conf" "${args[@]}" </dev/null >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    echo "---- last lines of $log" >&2; tail -n 20 "$log" >&2
    die "$engine interimap exited with status $status on '$row'
  reproduce (while dovecot runs, with --keep): XDG_DATA_HOME=$d/data $binary --config=$d/interimap.conf"
  fi
  local side report
  for side in local remote; do tool snapshot "$port" "$copy-$name-$side" "$d/$side.json" $(digest_of "$name"); done
  report="$(tool compare "$d/local.json" "local store" "$d/remote.json" "remote store")" ||
    die "$engine interimap left different stores after '$row':
$report
  log: $log"
  report="$(tool compare "$d/local.json" "the stores" "$expected" "the expected state")" ||
    die "$engine interimap left both stores different from the expected state after '$row':
$report
  log: $log"
  if [ "$engine" = count ]; then
    local line found=""
    for side in local remote; do
      line="$(grep -oE "$side: [0-9]+ command\(s\), [0-9]+ round trip\(s\)" "$log" | tail -n 1 || true)"
      found+="${found:+; }${line:-$side: (no count in the --debug output)}"
    done
    counts["$row"]="$found"
    return
  fi
  local wall user_s sys_s rss
  read -r wall user_s sys_s rss < <(tail -n 1 "$times")
  figures["$row|$engine|wall"]+=" $wall"
  figures["$row|$engine|cpu"]+=" $(awk -v u="$user_s" -v s="$sys_s" 'BEGIN { printf "%.2f", u + s }')"
  figures["$row|$engine|rss"]+=" $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
}

r_lat_initial="initial sync, ${lat_boxes}x${lat_msgs}, 10 ms each way"
r_lat_changes="resync after changes on both sides, ${lat_boxes}x${lat_msgs}, 10 ms"
r_lat_nochange="no-change resync, ${lat_boxes}x${lat_msgs}, 10 ms"
r_bulk="initial sync, ${bulk_boxes}x${bulk_msgs}, no delay"
r_long="initial sync, 1x${long_msgs}"
r_huge="initial sync, one ${huge_mib} MiB message"

# run_workloads COPY ENGINE: every workload, once, on fresh copies.
run_workloads() {
  local copy="$1" engine="$2" t
  t="$work/t/latency"
  copy_workload latency "$copy" delayed
  run_phase "$r_lat_initial" latency "$copy" "$engine" "$t/start.json"
  run_phase "$r_lat_nochange" latency "$copy" "$engine" "$t/start.json"
  local d="$work/runs/$copy-latency"
  tool change "$port" "$copy-latency-local" "$copy-latency-remote" "$t/start.json" 3 "$d/changes.json"
  tool expect "$t/start.json" "$d/changes.json" "$d/expected.json"
  run_phase "$r_lat_changes" latency "$copy" "$engine" "$d/expected.json"
  for t in bulk:"$r_bulk" long:"$r_long" huge:"$r_huge"; do
    copy_workload "${t%%:*}" "$copy"
    run_phase "${t#*:}" "${t%%:*}" "$copy" "$engine" "$work/t/${t%%:*}/start.json"
  done
}

build_workload latency fill "$lat_boxes" "$lat_msgs" 2
build_workload bulk fill "$bulk_boxes" "$bulk_msgs" 1
build_workload long fill 1 "$long_msgs" 4
build_workload huge fill-big "$huge_mib" 5
for ((round = 1; round <= repeat; round++)); do
  ((repeat == 1)) || echo "bench: round $round of $repeat" >&2
  if ((round % 2)); then order=(ours reference); else order=(reference ours); fi
  for engine in "${order[@]}"; do run_workloads "$engine$round" "$engine"; done
  for w in latency bulk long huge; do
    report="$(tool compare "$work/runs/ours$round-$w/local.json" ours "$work/runs/reference$round-$w/local.json" reference)" ||
      die "ours and the reference left different stores on workload $w:
$report"
  done
done
run_workloads count count

# ---------------------------------------------------------------------------------------------
median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v o="$1" -v r="$2" 'BEGIN { if (r > 0) printf "%.2f", o / r; else print "-" }'; }

declare -A measure_names=([wall]="wall time" [cpu]="CPU user+sys" [rss]="peak RSS")
# row NUMBER ROW MEASURE UNIT GOAL
row() {
  local r o
  r="$(median "${figures["$2|reference|$3"]}")" o="$(median "${figures["$2|ours|$3"]}")"
  printf '%-3s %-62s %11s %11s %9s   %s\n' "$1" "$2: ${measure_names[$3]}" "$r $4" "$o $4" "$(ratio "$o" "$r")" "$5"
}
echo
printf '%-3s %-62s %11s %11s %9s   %s\n' "#" "workload: measure" reference ours ours/ref "goal (issue 9, full sizes)"
row 1 "$r_lat_initial" wall s "<= 0.15"
row 2 "$r_lat_changes" wall s "<= 0.10"
row 3 "$r_bulk" wall s "<= 0.40"
row 4 "$r_lat_nochange" wall s "<= 0.70"
row 5 "$r_bulk" cpu s "<= 0.25"
row 6 "$r_long" rss MiB "<= 64 MB"
row 6 "$r_huge" rss MiB "<= 64 MB"

echo
echo "every run (wall / CPU user+sys / peak RSS of the interimap process; reference | ours):"
for r in "$r_lat_initial" "$r_lat_nochange" "$r_lat_changes" "$r_bulk" "$r_long" "$r_huge"; do
  line="" 
  for engine in reference ours; do
    line+="$(median "${figures["$r|$engine|wall"]}") s / $(median "${figures["$r|$engine|cpu"]}") s / $(median "${figures["$r|$engine|rss"]}") MiB"
    [ "$engine" = ours ] || line+="  |  "
  done
  printf '  %-58s %s\n' "$r" "$line"
done
echo
echo "ours with --debug (untimed run), commands and round trips per server:"
for r in "$r_lat_initial" "$r_lat_nochange" "$r_lat_changes" "$r_bulk" "$r_long" "$r_huge"; do
  printf '  %-58s %s\n' "$r" "${counts["$r"]}"
done
((repeat == 1)) || echo "(medians of $repeat runs of each engine)"
echo "(whole benchmark: ${SECONDS} s)"

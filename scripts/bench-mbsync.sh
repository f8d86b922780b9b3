#!/usr/bin/env bash
# Measures our `interimap` (release build) against mbsync (Debian's isync) on the same stores, for
# each provider profile, in one run, and prints the wall times side by side with the ratio
# ours/mbsync (goal: at most 0.5).
#
#   scripts/bench-mbsync.sh [--quick] [--profiles "gmail dovecot ..."] [--keep]
#
# Like scripts/bench-interimap.sh, the local stores are dovecot maildirs on tmpfs served by a
# dovecot daemon this script starts on loopback TCP. For every profile the remote is played twice:
#   fake     fake-imapd --profile NAME --listen (in memory, one process per run): the provider's
#            capabilities and quirks;
#   dovecot  a second dovecot daemon whose imap_capability is the profile's list (the capabilities
#            dovecot implements): the same fallbacks on a real server (the dovecot profile: the
#            first daemon itself).
# Each is measured without delay and behind scripts/delay-relay.py (10 ms each way). A round is:
# a fresh copy of the local store (10 mailboxes x 1000 messages, empty remote), an initial sync,
# then on both sides of every mailbox one flag toggled, one message expunged and one appended,
# and a resync. Both engines get the same round on fresh copies; after every run both stores
# must hold exactly the expected messages (Message-ID and flags, and sizes and keywords for ours;
# mbsync may add its X-TUID header, and mbsync 1.4 does not copy keywords). A run of ours that the server's capabilities make interimap refuse (no
# QRESYNC, no LIST-EXTENDED...) is shown as "refused" and mbsync is still measured.
#
# --quick: 3 x 100 messages.  --profiles: a subset (default: all seven).  --keep: keep the
#   working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

quick=0 keep=0 profiles="dovecot gmail outlook yahoo icloud proton courier"
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --quick) quick=1 ;;
    --profiles) profiles="${1:-}"; shift || true ;;
    --profiles=*) profiles="${arg#--profiles=}" ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-mbsync: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
for p in $profiles; do
  case "$p" in dovecot|gmail|outlook|yahoo|icloud|proton|courier) ;; *) echo "bench-mbsync: unknown profile '$p'" >&2; exit 2 ;; esac
done
if ((quick)); then boxes=3 msgs=100; else boxes=10 msgs=1000; fi
delay=0.010

./scripts/setup.sh
echo "bench: building interimap and fake-imapd (release)" >&2
swift build -c release --product interimap >&2
swift build -c release --product fake-imapd >&2
bin="$(swift build -c release --show-bin-path)"
ours="$bin/interimap" fake="$bin/fake-imapd" mbsync=/usr/bin/mbsync gnu_time=/usr/bin/time
user="${INTERIMAP_TEST_USER:-imaptest}"
for tool in "$ours" "$fake" "$mbsync" "$gnu_time" /usr/sbin/dovecot /usr/bin/doveadm /usr/bin/python3; do
  [ -x "$tool" ] || { echo "bench-mbsync: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
id "$user" >/dev/null 2>&1 || { echo "bench-mbsync: no user $user (run scripts/setup.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench-mbsync: dovecot's master process must start as root" >&2; exit 1; }

parent="${BENCH_DIR:-/dev/shm}"
work="$(mktemp -d "$parent/mbsync-bench.XXXXXX")"
chmod 755 "$work"
export BENCH_PASSWORD="bench-$RANDOM"
children=()

stop_dovecot() {   # stop_dovecot CONF
  local master_pid run_dir
  run_dir="$(sed -n 's/^base_dir = //p' "$1")"
  master_pid="$(cat "$run_dir/master.pid" 2>/dev/null || true)"
  [ -n "$master_pid" ] || return 0
  doveadm -c "$1" stop 2>/dev/null || kill "$master_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$master_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$master_pid" 2>/dev/null || true
}
stop_children() {
  local pid
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  children=()
}
finish() {
  local status=$?
  stop_children
  for conf in "$work"/dovecot-*.conf; do [ -f "$conf" ] && stop_dovecot "$conf"; done
  if ((status != 0 || keep)); then echo "bench: working directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
die() { echo "bench-mbsync: FAILED: $*" >&2; exit 1; }

tool() { python3 "$root/scripts/bench-store.py" "$@"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  die "nothing listens on 127.0.0.1:$1 ($2)"
}

# start_dovecot NAME PORT [CAPABILITIES]: a daemon serving every user's $work/homes/USER/mail.
start_dovecot() {
  local name="$1" port="$2" caps="${3:-}" conf="$work/dovecot-$1.conf"
  mkdir -p "$work/run-$name" "$work/state-$name"
  "$root/scripts/bench-dovecot-conf.sh" "mbsync-bench-$name-${work##*.}" "$work/run-$name" "$work/state-$name" \
    "$work/dovecot-$name.log" "$port" "$user" "$work/homes" "$caps" > "$conf"
  dovecot -c "$conf" || die "dovecot ($name) did not start; see $work/dovecot-$name.log"
  wait_for_port "$port" "dovecot $name"
}

# The capabilities a profile advertises (fake-imapd's greeting), kept to those this dovecot has.
profile_capabilities() {
  local fake_caps dovecot_caps c out=""
  fake_caps="$(printf 'a LOGOUT\r\n' | "$fake" --profile "$1" | sed -n '1s/.*\[CAPABILITY \([^]]*\)\].*/\1/p')"
  dovecot_caps=" $(printf 'a CAPABILITY\r\na LOGOUT\r\n' | python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"a LOGIN x " + sys.argv[2].encode() + b"\r\nb CAPABILITY\r\nc LOGOUT\r\n")
data = b""
while b"c OK" not in data:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
for line in data.decode().split("\r\n"):
    if line.startswith("* CAPABILITY "): print(line[13:])' "$port" "$BENCH_PASSWORD") LITERAL- "
  for c in $fake_caps; do [[ "$dovecot_caps" == *" $c "* ]] && out+="${out:+ }$c"; done
  echo "$out"
}

port="$(free_port)"
mkdir -p "$work/homes"
chown "$user:$user" "$work/homes"
start_dovecot full "$port"
echo "bench: dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:$port; stores in $work; mbsync $("$mbsync" --version | cut -d' ' -f2)" >&2

# The template: a filled local store (written straight into the maildir) and what it holds.
t="$work/t"
mkdir -p "$t" "$work/homes/t-local/mail"
tool fill "$work/homes/t-local" "$boxes" "$msgs" 1
chown -R "$user:$user" "$work/homes/t-local"
tool snapshot "$port" t-local "$t/start.json"
echo "bench: local store $(tool summary "$t/start.json")" >&2

declare -A wall notes
# timed ROW ENGINE LOG COMMAND...: runs it under GNU time; 0 if it succeeded.
timed() {
  local row="$1" engine="$2" log="$3"; shift 3
  local status=0
  "$gnu_time" -f "%e" -o "$log.time" "$@" </dev/null >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    if [ "$engine" = ours ] && grep -qE "ERROR: (Server did not advertise|Server does not support|Couldn't ENABLE)" "$log"; then
      wall["$row|$engine"]="refused"
      notes["$row|$engine"]="$(grep -m1 -oE 'ERROR: .*' "$log")"
      return 1
    fi
    echo "---- last lines of $log" >&2; tail -n 20 "$log" >&2
    die "$engine exited with status $status on '$row'"
  fi
  wall["$row|$engine"]="$(tail -n 1 "$log.time")"
}

# check WHAT LOCALUSER REMOTE EXPECTED.json ENGINE: both stores hold exactly the expected messages.
check() {
  local what="$1" luser="$2" remote="$3" expected="$4" engine="$5" d="$6" report
  tool snapshot "$port" "$luser" "$d/local.json"
  tool snapshot "$port" "$remote" "$d/remote.json"
  if [ "$engine" = mbsync ]; then
    # mbsync may add an X-TUID header to the messages it uploads, and mbsync 1.4 does not copy
    # keywords ($Important): compare without sizes and keywords.
    for f in "$d/local.json" "$d/remote.json" "$expected"; do
      python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); json.dump({b: sorted([e[0], [f for f in e[1] if f.startswith("\\")]] for e in v) for b, v in s.items()}, open(sys.argv[2], "w"))' "$f" "$f.nosize"
    done
    report="$(tool compare "$d/local.json.nosize" "local store" "$expected.nosize" "the expected state")" &&
      report="$(tool compare "$d/remote.json.nosize" "remote store" "$expected.nosize" "the expected state")" ||
      die "$engine left a store different from the expected state after $what:
$report"
  else
    report="$(tool compare "$d/local.json" "local store" "$expected" "the expected state")" &&
      report="$(tool compare "$d/remote.json" "remote store" "$expected" "the expected state")" ||
      die "$engine left a store different from the expected state after $what:
$report"
  fi
}

# round PROFILE KIND DELAYED ENGINE
round() {
  local profile="$1" kind="$2" delayed="$3" engine="$4"
  local id="$engine-$profile-$kind-$delayed" d="$work/runs/$engine-$profile-$kind-$delayed"
  local luser="l-$id" ruser="r-$id" rport remote_direct connect_port
  rm -rf "$d"; mkdir -p "$d/data" "$d/mbsync"
  cp -a "$work/homes/t-local" "$work/homes/$luser"
  if [ "$kind" = fake ]; then
    "$fake" --profile "$profile" --listen 127.0.0.1:0 --user "$ruser" --password "$BENCH_PASSWORD" 2>"$d/fake.log" &
    children+=($!)
    for _ in $(seq 100); do rport="$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$d/fake.log")"; [ -n "$rport" ] && break; sleep 0.1; done
    [ -n "$rport" ] || die "fake-imapd did not start: $(cat "$d/fake.log")"
  else
    mkdir -p "$work/homes/$ruser/mail"; chown -R "$user:$user" "$work/homes/$ruser"
    rport="$restricted_port"
  fi
  remote_direct="$ruser:$rport" connect_port="$rport"
  if [ "$delayed" = 10ms ]; then
    connect_port="$(free_port)"
    python3 "$root/scripts/delay-relay.py" "$delay" --listen "127.0.0.1:$connect_port" --connect "127.0.0.1:$rport" 2>>"$d/relay.log" &
    children+=($!)
    wait_for_port "$connect_port" "the delay relay"
  fi
  printf 'database = %s\n\n[local]\ntype = imap\nhost = 127.0.0.1\nport = %s\nSTARTTLS = NO\nusername = %s\npassword = %s\n\n[remote]\ntype = imap\nhost = 127.0.0.1\nport = %s\nSTARTTLS = NO\nusername = %s\npassword = %s\n' \
    "$d/data/interimap.db" "$port" "$luser" "$BENCH_PASSWORD" "$connect_port" "$ruser" "$BENCH_PASSWORD" > "$d/interimap.conf"
  printf 'IMAPAccount local\nHost 127.0.0.1\nPort %s\nUser %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\nIMAPStore local\nAccount local\n\nIMAPAccount remote\nHost 127.0.0.1\nPort %s\nUser %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount remote\n\nChannel bench\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nCopyArrivalDate yes\nSyncState %s/\n' \
    "$port" "$luser" "$BENCH_PASSWORD" "$connect_port" "$ruser" "$BENCH_PASSWORD" "$d/mbsync" > "$d/mbsyncrc"
  local cmd
  if [ "$engine" = ours ]; then cmd=(env XDG_DATA_HOME="$d/data" "$ours" --config="$d/interimap.conf")
  else cmd=("$mbsync" -c "$d/mbsyncrc" -a -q); fi
  local row="$profile|$kind|$delayed"
  echo "bench: [${SECONDS}s] $engine: $profile profile, $kind remote, ${delayed/none/no delay}" >&2
  if timed "$row|initial" "$engine" "$d/initial.log" "${cmd[@]}"; then
    check "the initial sync ($id)" "$luser" "$remote_direct" "$t/start.json" "$engine" "$d"
    tool change "$port" "$luser" "$remote_direct" "$t/start.json" 3 "$d/changes.json"
    tool expect "$t/start.json" "$d/changes.json" "$d/expected.json"
    timed "$row|resync" "$engine" "$d/resync.log" "${cmd[@]}"
    check "the resync ($id)" "$luser" "$remote_direct" "$d/expected.json" "$engine" "$d"
  else
    wall["$row|resync|$engine"]="refused"
  fi
  stop_children
  rm -rf "$work/homes/$luser" "$work/homes/$ruser"
}

restricted_port="$(free_port)"
for profile in $profiles; do
  if [ "$profile" = dovecot ]; then
    restricted_port="$port"
  else
    caps="$(profile_capabilities "$profile")"
    [ -f "$work/dovecot-restricted.conf" ] && stop_dovecot "$work/dovecot-restricted.conf"
    restricted_port="$(free_port)"
    start_dovecot restricted "$restricted_port" "$caps"
    echo "bench: dovecot restricted to $profile's capabilities: $caps" >&2
  fi
  for kind in fake dovecot; do
    for delayed in none 10ms; do
      for engine in mbsync ours; do round "$profile" "$kind" "$delayed" "$engine"; done
    done
  done
done

ratio() { awk -v o="$1" -v r="$2" 'BEGIN { if (o + 0 > 0 && r + 0 > 0) printf "%.2f", o / r; else print "-" }'; }
echo
printf '%-9s %-8s %-9s %-8s %10s %10s %9s\n' profile remote delay phase mbsync ours ours/mbsync
for profile in $profiles; do
  for kind in fake dovecot; do
    for delayed in none 10ms; do
      for phase in initial resync; do
        m="${wall["$profile|$kind|$delayed|$phase|mbsync"]:-}" o="${wall["$profile|$kind|$delayed|$phase|ours"]:-}"
        printf '%-9s %-8s %-9s %-8s %10s %10s %9s\n' "$profile" "$kind" "${delayed/none/-}" "$phase" \
          "${m}${m:+ s}" "${o:-refused}$([[ "$o" =~ ^[0-9] ]] && echo ' s')" "$(ratio "$o" "$m")"
      done
    done
  done
done
echo
for k in "${!notes[@]}"; do echo "  ours refused on ${k%%|*} (${k#*|}): ${notes[$k]}"; done | sort -u | sed 's/|initial|ours//'
echo "(${boxes} mailboxes x ${msgs} messages; goal: ours/mbsync <= 0.50; whole benchmark: ${SECONDS} s)"

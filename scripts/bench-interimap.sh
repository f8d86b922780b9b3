#!/usr/bin/env bash
# Times our `interimap` against the reference (/usr/bin/interimap) on real dovecot stores.
#
#   scripts/bench-interimap.sh [--quick] [--repeat N] [--keep]
#
# Workload 1: N1 mailboxes x M1 messages (~4 KiB on average, a few flags and a keyword) in the
#   local store, remote store empty: initial sync, then a run with nothing to do, then a run
#   after a few changes on both sides (flag toggles and new messages).
# Workload 2: N2 mailboxes x M2 messages, initial sync and a run with nothing to do, with the
#   remote store behind a link adding 10 ms each way (scripts/delay-relay.py).
#
# Each workload starts from stores built once; each engine (ours first, then the reference) gets
# its own copy of them and a fresh database. After every run the script checks that it exited 0
# and that both stores hold exactly the expected messages (Message-ID and flags, per mailbox);
# finally that both engines left identical stores. Any failure stops the script with a message
# and keeps the working directory for inspection; otherwise it prints the timings.
#
# --quick: 3x200 and 10x20 instead of 10x1000 and 50x40.  --keep: keep the working directory.
# --repeat N: run everything N times (ours and the reference alternating, fresh copies each time)
#   and report the fastest time of each engine, which is steadier on a busy machine.
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
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-interimap: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if ((quick)); then w1_boxes=3 w1_msgs=200 w2_boxes=10 w2_msgs=20
else w1_boxes=10 w1_msgs=1000 w2_boxes=50 w2_msgs=40; fi
flag_changes=50 new_messages=20 delay=0.010

./scripts/setup.sh
echo "bench: building interimap (release)" >&2
swift build -c release --product interimap >&2
ours="$(swift build -c release --show-bin-path)/interimap"
reference=/usr/bin/interimap
user="${INTERIMAP_TEST_USER:-imaptest}"
for tool in "$ours" "$reference" /usr/bin/doveadm /usr/bin/setpriv; do
  [ -x "$tool" ] || { echo "bench-interimap: $tool is missing" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/interimap-bench.XXXXXX")"
chmod 755 "$work"   # the store owner must be able to reach its store
finish() {
  local status=$?
  if ((status != 0 || keep)); then echo "bench: working directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT

die() { echo "bench-interimap: FAILED: $*" >&2; exit 1; }
trap 'echo "bench-interimap: FAILED: line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR

# ---------------------------------------------------------------------------------------------
# The helper that fills, changes and inspects stores (IMAP through the same tunnel interimap uses).
cat > "$work/benchtool.py" <<'PY'
import email.utils, imaplib, json, os, random, re, sys

KEYWORD = "$Important"

def tunnel(store):
    return (f"setpriv --reuid={USER} --regid={USER} --clear-groups env USER={USER} HOME={store} "
            f"doveadm -c {store}/dovecot.conf exec imap 2>>{store}.tool.log")

def connect(store):
    imap = imaplib.IMAP4_stream(tunnel(store))
    if imap.state != "AUTH":
        sys.exit(f"benchtool: no PREAUTH greeting from the store {store}")
    return imap

def ok(result, what):
    typ, data = result
    if typ != "OK":
        sys.exit(f"benchtool: {what} failed: {typ} {data}")
    return data

def mailbox_names(boxes):
    return ["INBOX"] + [f"Folder{i:02d}" for i in range(2, boxes + 1)]

def fill(store, boxes, msgs, seed):
    """Writes the messages straight into the maildirs (much faster than APPEND)."""
    rng = random.Random(seed)
    words = ("imap sync mailbox message flag seen answered server client modseq uid "
             "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis").split()
    lines, total = [], 0
    while total < 1 << 20:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))) + "\n"
        lines.append(line); total += len(line)
    text = "".join(lines).encode()
    now = 1_700_000_000
    for box in mailbox_names(boxes):
        folder = f"{store}/mail" + ("" if box == "INBOX" else f"/.{box}")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(f"{folder}/{sub}", exist_ok=True)
        with open(f"{folder}/dovecot-keywords", "w") as f:
            f.write(f"0 {KEYWORD}\n")        # maildir flag letter 'a' is keyword 0
        for n in range(msgs):
            date = now - rng.randint(0, 365 * 86400)
            size = min(600 + int(rng.expovariate(1 / 3500)), 64 << 10)
            start = rng.randrange(0, len(text) - size - 200)
            start = text.index(b"\n", start) + 1
            body = text[start:text.index(b"\n", start + size) + 1]
            header = (f"From: Sender {n % 37} <sender{n % 37}@example.org>\n"
                      f"To: bench@example.net\n"
                      f"Subject: {box} message {n}\n"
                      f"Date: {email.utils.formatdate(date)}\n"
                      f"Message-ID: <bench.{box}.{n}@example.org>\n"
                      f"MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n").encode()
            data = header + body
            flags = ""
            if rng.random() < 0.05: flags += "F"
            if rng.random() < 0.15: flags += "R"
            if rng.random() < 0.80: flags += "S"
            if rng.random() < 0.03: flags += "a"
            virtual_size = len(data) + data.count(b"\n")   # with CRLF line ends, as IMAP sees it
            name = f"{date}.M{n}P{seed}.bench,S={len(data)},W={virtual_size}:2,{flags}"
            path = f"{folder}/cur/{name}"
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (date, date))

def parse_fetch(data):
    """(Message-ID, flags) of each message of a FETCH (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])."""
    entries, i = [], 0
    while i < len(data):
        item = data[i]
        if isinstance(item, tuple):
            meta = item[0].decode()
            if i + 1 < len(data) and isinstance(data[i + 1], bytes):
                meta += data[i + 1].decode(); i += 1
            m = re.search(r"FLAGS \(([^)]*)\)", meta)
            if not m:
                sys.exit(f"benchtool: FETCH response without FLAGS: {meta!r}")
            flags = sorted(f for f in m.group(1).split() if f != "\\Recent")
            mid = re.search(rb"<([^>]*)>", item[1])
            entries.append([mid.group(1).decode() if mid else "", flags])
        i += 1
    return entries

def snapshot(store):
    """{mailbox: sorted [[Message-ID, flags]]} of every mailbox of the store."""
    imap = connect(store)
    names = []
    for line in ok(imap.list('""', '"*"'), "LIST"):
        m = re.match(rb'\((.*?)\) (?:"."|NIL) (.*)$', line)
        if not m:
            sys.exit(f"benchtool: unexpected LIST response {line!r}")
        if b"\\Noselect" in m.group(1) or b"\\NonExistent" in m.group(1):
            continue
        names.append(m.group(2).decode().strip('"'))
    snap = {}
    for name in sorted(names):
        count = int(ok(imap.select(f'"{name}"', readonly=True), f"EXAMINE {name}")[0])
        entries = []
        if count:
            entries = parse_fetch(ok(imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), f"FETCH in {name}"))
        if len(entries) != count:
            sys.exit(f"benchtool: {store}: {name} has {count} messages but FETCH returned {len(entries)}")
        snap[name] = sorted(entries)
        imap.close()
    imap.logout()
    return snap

def change(local, remote, boxes, msgs, flag_changes, new_messages, seed):
    """Toggles one flag on flag_changes distinct existing messages (half on each side) and
    appends new_messages new ones (half on each side); prints what the stores must then hold."""
    rng = random.Random(seed)
    names = mailbox_names(boxes)
    chosen = rng.sample([(b, n) for b in names for n in range(msgs)], flag_changes)
    toggled = {}
    appended = {}
    for side, store in (("local", local), ("remote", remote)):
        imap = connect(store)
        mine = chosen[:flag_changes // 2] if side == "local" else chosen[flag_changes // 2:]
        for k, (box, n) in enumerate(sorted(mine)):
            ok(imap.select(f'"{box}"'), f"SELECT {box}")
            mid = f"bench.{box}.{n}@example.org"
            uids = ok(imap.uid("SEARCH", "HEADER", "Message-ID", f'"<{mid}>"'), "UID SEARCH")[0].split()
            if len(uids) != 1:
                sys.exit(f"benchtool: {side} {box}: {len(uids)} messages with Message-ID <{mid}>")
            uid = uids[0].decode()
            flags = parse_fetch(ok(imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"), "UID FETCH"))[0][1]
            flag = ["\\Flagged", "\\Seen", "\\Answered"][k % 3]
            ok(imap.uid("STORE", uid, "-FLAGS" if flag in flags else "+FLAGS", f"({flag})"), "UID STORE")
            toggled[mid] = sorted(set(flags) ^ {flag})
            imap.close()
        half = new_messages // 2 if side == "local" else new_messages - new_messages // 2
        for i in range(half):
            box = rng.choice(names)
            mid = f"new.{side}.{i}@example.org"
            flags = ["\\Seen"] if rng.random() < 0.5 else []
            body = "".join(f"new line {j} of a message added between two synchronizations\r\n" for j in range(rng.randint(10, 100)))
            message = (f"From: New <new@example.org>\r\nTo: bench@example.net\r\nSubject: new {side} {i}\r\n"
                       f"Message-ID: <{mid}>\r\n\r\n{body}").encode()
            ok(imap.append(f'"{box}"', f"({' '.join(flags)})", None, message), f"APPEND to {box}")
            appended.setdefault(box, []).append([mid, flags])
        imap.logout()
    return {"toggled": toggled, "appended": appended}

def expected_after(base, changes):
    snap = {box: [[mid, changes["toggled"].get(mid, flags)] for mid, flags in entries] for box, entries in base.items()}
    for box, entries in changes["appended"].items():
        snap.setdefault(box, []).extend(entries)
    return {box: sorted(entries) for box, entries in snap.items()}

def describe_difference(a, b, a_name, b_name):
    lines = []
    for box in sorted(set(a) | set(b)):
        if box not in a: lines.append(f"  mailbox {box}: missing in {a_name}"); continue
        if box not in b: lines.append(f"  mailbox {box}: missing in {b_name}"); continue
        if a[box] == b[box]: continue
        sa = {tuple([m, tuple(f)]) for m, f in a[box]}; sb = {tuple([m, tuple(f)]) for m, f in b[box]}
        lines.append(f"  mailbox {box}: {len(a[box])} messages in {a_name}, {len(b[box])} in {b_name}; "
                     f"{len(sa - sb)} only in {a_name}, {len(sb - sa)} only in {b_name}")
        for m, f in sorted(sa - sb)[:3]: lines.append(f"    only in {a_name}: <{m}> {' '.join(f)}")
        for m, f in sorted(sb - sa)[:3]: lines.append(f"    only in {b_name}: <{m}> {' '.join(f)}")
    return "\n".join(lines)

def load(path):
    with open(path) as f: return json.load(f)

def dump(obj, path):
    with open(path, "w") as f: json.dump(obj, f)

USER = os.environ["BENCH_USER"]
cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "fill":
    fill(args[0], int(args[1]), int(args[2]), int(args[3]))
elif cmd == "snapshot":
    dump(snapshot(args[0]), args[1])
elif cmd == "change":
    dump(change(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), int(args[5]), int(args[6])), args[7])
elif cmd == "expect":              # expect BASE.json CHANGES.json OUT.json
    dump(expected_after(load(args[0]), load(args[1])), args[2])
elif cmd == "compare":             # compare A.json NAME_A B.json NAME_B: exit 1 with a report if they differ
    a, b = load(args[0]), load(args[2])
    if a != b:
        print(describe_difference(a, b, args[1], args[3])); sys.exit(1)
elif cmd == "summary":             # summary SNAP.json: "N mailboxes, M messages"
    s = load(args[0]); print(f"{len(s)} mailboxes, {sum(len(v) for v in s.values())} messages")
else:
    sys.exit(f"benchtool: unknown command {cmd}")
PY
tool() { BENCH_USER="$user" python3 "$work/benchtool.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# Stores.

# make_store DIR: an empty dovecot maildir store owned by the store user.
write_conf() {
  cat > "$1/dovecot.conf" <<CONF
ssl = no
mail_location = maildir:$1/mail
mail_home = $1/home
log_path = $1/dovecot.log
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
CONF
}
make_store() { mkdir -p "$1/mail" "$1/home"; write_conf "$1"; chown -R "$user:$user" "$1"; }
tunnel_command() {
  echo "setpriv --reuid=$user --regid=$user --clear-groups env USER=$user HOME=$1 doveadm -c $1/dovecot.conf exec imap"
}

# build_workload NAME BOXES MSGS SEED: $work/template/NAME/{local,remote}, local filled, remote empty,
# plus $work/template/NAME/start.json (what the local store holds).
build_workload() {
  local t="$work/template/$1"
  make_store "$t/local"; make_store "$t/remote"
  tool fill "$t/local" "$2" "$3" "$4"
  chown -R "$user:$user" "$t/local"
  tool snapshot "$t/local" "$t/start.json"      # also lets dovecot index the new mail once
  tool snapshot "$t/remote" "$t/remote-start.json"
  local summary; summary="$(tool summary "$t/start.json")"
  [ "$summary" = "$2 mailboxes, $(($2 * $3)) messages" ] || die "workload $1: the filled local store holds $summary, expected $2 mailboxes, $(($2 * $3)) messages"
  [ "$(tool summary "$t/remote-start.json")" = "1 mailboxes, 0 messages" ] || die "workload $1: the remote store is not empty"
  echo "bench: workload $1 ready: local store $summary, remote store empty" >&2
}

# copy_workload NAME ENGINE: $work/ENGINE/NAME/{local,remote} copied from the template, and a config.
copy_workload() {
  local t="$work/template/$1" d="$work/$2/$1" side
  rm -rf "$d"; mkdir -p "$d"
  for side in local remote; do
    cp -a "$t/$side" "$d/$side"
    rm -f "$d/$side/dovecot.log"
    write_conf "$d/$side"; chown "$user:$user" "$d/$side/dovecot.conf"
  done
  local remote_command; remote_command="$(tunnel_command "$d/remote")"
  if [ "${3:-}" = delayed ]; then remote_command="python3 $root/scripts/delay-relay.py $delay -- $remote_command"; fi
  mkdir -p "$d/data"
  cat > "$d/interimap.conf" <<CONF
database = $d/data/interimap.db

[local]
type = tunnel
command = $(tunnel_command "$d/local")
null-stderr = YES

[remote]
type = tunnel
command = $remote_command
null-stderr = YES
CONF
}

# ---------------------------------------------------------------------------------------------
# Runs.

declare -A seconds
rows=() runs=0

# run_phase ROW WORKLOAD ENGINE EXPECTED.json: one run of ENGINE, timed and checked.
run_phase() {
  local row="$1" d="$work/$3/$2" binary t0 t1 status=0 n
  case "$3" in ours) binary="$ours" ;; reference) binary="$reference" ;; esac
  runs=$((runs + 1))
  local log="$d/run-$runs.log"
  echo "bench: $3: $row" >&2
  sync   # the copies just made must not be written back during the timed run
  t0=$(date +%s.%N)
  XDG_DATA_HOME="$d/data" "$binary" --config="$d/interimap.conf" </dev/null >"$log" 2>&1 || status=$?
  t1=$(date +%s.%N)
  if ((status != 0)); then
    echo "---- last lines of $log" >&2; tail -n 20 "$log" >&2
    die "$3 interimap exited with status $status on '$row'
  reproduce: XDG_DATA_HOME=$d/data $binary --config=$d/interimap.conf"
  fi
  tool snapshot "$d/local" "$d/local.json"
  tool snapshot "$d/remote" "$d/remote.json"
  local report
  if ! report="$(tool compare "$d/local.json" "local store" "$d/remote.json" "remote store")"; then
    die "$3 interimap left different stores after '$row':
$report
  log: $log"
  fi
  if ! report="$(tool compare "$d/local.json" "the stores" "$4" "the expected state")"; then
    die "$3 interimap left both stores different from the expected state after '$row':
$report
  log: $log"
  fi
  local elapsed; elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  local best="${seconds["$row,$3"]:-}"
  if [ -z "$best" ] || awk -v e="$elapsed" -v b="$best" 'BEGIN { exit !(e < b) }'; then seconds["$row,$3"]=$elapsed; fi
}

seen_row() { local r; for r in "${rows[@]}"; do [ "$r" = "$1" ] && return 0; done; return 1; }
add_row() { seen_row "$1" || rows+=("$1"); }

# Both workloads, once per engine and round; every run is checked (run_phase), and both engines
# must leave the same stores.
w1="${w1_boxes}x${w1_msgs}"
w2="${w2_boxes}x${w2_msgs}"
build_workload "$w1" "$w1_boxes" "$w1_msgs" 1
build_workload "$w2" "$w2_boxes" "$w2_msgs" 2
for ((round = 1; round <= repeat; round++)); do
  ((repeat == 1)) || echo "bench: round $round of $repeat" >&2
  for engine in ours reference; do
    copy_workload "$w1" "$engine"
    start="$work/template/$w1/start.json"
    add_row "$w1 initial sync";  run_phase "$w1 initial sync" "$w1" "$engine" "$start"
    add_row "$w1 no changes";    run_phase "$w1 no changes" "$w1" "$engine" "$start"
    d="$work/$engine/$w1"
    tool change "$d/local" "$d/remote" "$w1_boxes" "$w1_msgs" "$flag_changes" "$new_messages" 3 "$d/changes.json"
    tool expect "$start" "$d/changes.json" "$d/expected.json"
    add_row "$w1 few changes";   run_phase "$w1 few changes" "$w1" "$engine" "$d/expected.json"

    copy_workload "$w2" "$engine" delayed
    start="$work/template/$w2/start.json"
    add_row "$w2 via 10 ms each way";            run_phase "$w2 via 10 ms each way" "$w2" "$engine" "$start"
    add_row "$w2 via 10 ms each way, no changes"; run_phase "$w2 via 10 ms each way, no changes" "$w2" "$engine" "$start"
  done
  for w in "$w1" "$w2"; do
    if ! report="$(tool compare "$work/ours/$w/local.json" "ours" "$work/reference/$w/local.json" "reference")"; then
      die "ours and the reference left different stores on workload $w:
  $report"
    fi
  done
done

# ---------------------------------------------------------------------------------------------
printf '\n%-38s %10s %10s %8s\n' "workload" "reference" "ours" "ratio (reference/ours)"
for row in "${rows[@]}"; do
  r="${seconds["$row,reference"]}" o="${seconds["$row,ours"]}"
  printf '%-38s %8s s %8s s %8s\n' "$row" "$r" "$o" "$(awk -v r="$r" -v o="$o" 'BEGIN { if (o > 0) printf "%.2f", r / o; else print "-" }')"
done
((repeat == 1)) || echo "(fastest of $repeat runs of each engine)"

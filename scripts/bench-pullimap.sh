#!/usr/bin/env bash
# Benchmark: pulls N messages (default 500, mean size ~4 KiB) from a dovecot INBOX (over a
# `doveadm exec imap` tunnel), each time from an identical, already indexed copy of the mailbox
# and a new statefile: with our pullimap to dovecot's LMTP server over TCP on loopback, to the
# same server over its unix socket, and into a maildir; with the reference (/usr/bin/pullimap)
# to the LMTP server over TCP (the only one of the three it can do). Prints the times and each
# of ours as a fraction of the reference's.
#
#   scripts/bench-pullimap.sh [N]        environment: ROUNDS (default 1), PULLIMAP (our binary;
#                                        default: a release build), KEEP=1 to keep the directory
#
# Needs root (dovecot's LMTP master process) and the user imaptest (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-500}"
rounds="${ROUNDS:-1}"
user="${INTERIMAP_TEST_USER:-imaptest}"
reference=/usr/bin/pullimap

[ "$(id -u)" -eq 0 ] || { echo "bench-pullimap: must run as root (dovecot's LMTP master)" >&2; exit 77; }
id "$user" >/dev/null 2>&1 || { echo "bench-pullimap: user $user missing: run scripts/setup.sh" >&2; exit 69; }
for tool in /usr/sbin/dovecot /usr/bin/doveadm "$reference" python3; do
  command -v "$tool" >/dev/null || { echo "bench-pullimap: $tool missing: run scripts/setup.sh" >&2; exit 69; }
done

if [ -z "${PULLIMAP:-}" ]; then
  swift build -c release --product pullimap >/dev/null
  PULLIMAP="$(swift build -c release --show-bin-path)/pullimap"
fi

work="$(mktemp -d /tmp/bench-pullimap.XXXXXX)"
lmtp_pid=""
cleanup() {
  [ -n "$lmtp_pid" ] && kill "$lmtp_pid" 2>/dev/null && wait "$lmtp_pid" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups env USER="$user" HOME="$work" "$@"; }

# --- The IMAP store: a maildir of N messages, indexed once, copied before each run. -----------
mkdir -p "$work/template/mail/new" "$work/template/home"
cat > "$work/imap.conf" <<CONF
ssl = no
mail_location = maildir:$work/store/mail
mail_home = $work/store/home
log_path = $work/imap.log
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
mail_plugins = zlib
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
}
CONF
python3 - "$work/template/mail/new" "$count" <<'PY'
import os, random, sys
directory, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
for n in range(1, count + 1):
    size = rng.randint(1024, 7168)          # mean ~4 KiB
    header = (f"From: Sender {n} <sender{n}@example.org>\nTo: rcpt@example.net\n"
              f"Subject: message {n}\nMessage-ID: <bench{n}@example.org>\n"
              f"Date: Sat, 21 Nov 2026 12:00:00 +0000\n\n")
    body = (line * (size // len(line) + 1))[: max(0, size - len(header))]
    with open(os.path.join(directory, f"1700000000.M{n:06d}P1.bench"), "w") as f:
        f.write(header + body)
PY
chown -R "$user:" "$work/template"
mkdir -p "$work/store" && chown "$user:" "$work/store"
cp -a "$work/template/." "$work/store/"
as_user doveadm -c "$work/imap.conf" mailbox status messages INBOX >/dev/null   # builds the index
rm -rf "$work/template" && cp -a "$work/store" "$work/template"
chown "$user:" "$work/imap.log" 2>/dev/null || true

# --- The LMTP server: dovecot's LMTP service on a loopback port. -----------------------------
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/lmtp/run" "$work/lmtp/state" "$work/lmtp/home" "$work/lmtp/mail"
chown -R "$user:" "$work/lmtp/state" "$work/lmtp/home" "$work/lmtp/mail"
cat > "$work/lmtp/dovecot.conf" <<CONF
ssl = no
protocols = lmtp
listen = 127.0.0.1
base_dir = $work/lmtp/run
state_dir = $work/lmtp/state
log_path = $work/lmtp/dovecot.log
mail_location = maildir:$work/lmtp/mail
mail_home = $work/lmtp/home
mail_fsync = never
default_internal_user = $user
default_internal_group = $user
default_login_user = $user
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=$user gid=$user home=$work/lmtp/home
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
  unix_listener lmtp {
    mode = 0600
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
CONF
/usr/sbin/dovecot -F -c "$work/lmtp/dovecot.conf" &
lmtp_pid=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null && break; sleep 0.1; done

delivered() {
  find "$work/lmtp/mail/new" "$work/lmtp/mail/cur" "$work/maildir/new" "$work/maildir/cur" -type f 2>/dev/null | wc -l
}

# One timed pull by PROGRAM (label LABEL) to METHOD (tcp, unix, maildir) from a fresh copy of
# the store; prints the seconds.
pull() {
  local label=$1 program=$2 method=$3 target
  case "$method" in
    tcp) target="lmtp:[127.0.0.1]:$port" ;;
    unix) target="lmtp:$work/lmtp/run/lmtp" ;;
    maildir) target="maildir:$work/maildir" ;;
  esac
  rm -rf "$work/store" && cp -a "$work/template" "$work/store"
  rm -f "$work/statefile-$label"
  # An empty destination for each run: dovecot's LMTP gets slower as its maildir grows.
  rm -rf "$work/lmtp/mail" "$work/maildir" && mkdir -p "$work/lmtp/mail" && chown "$user:" "$work/lmtp/mail"
  cat > "$work/pullimap-$label.ini" <<CONF
[bench]
type = tunnel
command = setpriv --reuid=$user --regid=$user --clear-groups env USER=$user HOME=$work doveadm -c $work/imap.conf exec imap
null-stderr = YES
statefile = $work/statefile-$label
deliver-method = $target
deliver-rcpt = $user
CONF
  local before after start end
  before="$(delivered)"
  start="$(date +%s.%N)"
  "$program" --config="$work/pullimap-$label.ini" --quiet bench
  end="$(date +%s.%N)"
  after="$(delivered)"
  if [ "$((after - before))" -ne "$count" ]; then
    echo "bench-pullimap: $label delivered $((after - before)) of $count messages" >&2
    exit 70
  fi
  python3 -c "print(f'{$end - $start:.3f}')"
}

echo "pullimap benchmark: $count messages (mean ~4 KiB), dovecot IMAP (tunnel) -> dovecot LMTP (127.0.0.1:$port and $work/lmtp/run/lmtp) or a maildir, $rounds round(s)"
ours_total=0 unix_total=0 maildir_total=0 reference_total=0
for round in $(seq "$rounds"); do
  # Alternate which one goes first, so neither always runs on a warmer cache.
  if [ $((round % 2)) -eq 1 ]; then
    ours="$(pull ours "$PULLIMAP" tcp)"
    theirs="$(pull reference "$reference" tcp)"
  else
    theirs="$(pull reference "$reference" tcp)"
    ours="$(pull ours "$PULLIMAP" tcp)"
  fi
  unix="$(pull ours-unix "$PULLIMAP" unix)"
  maildir="$(pull ours-maildir "$PULLIMAP" maildir)"
  echo "round $round: ours ${ours}s (LMTP/TCP), ${unix}s (LMTP/unix), ${maildir}s (maildir); reference ${theirs}s (LMTP/TCP)"
  ours_total="$(python3 -c "print($ours_total + $ours)")"
  unix_total="$(python3 -c "print($unix_total + $unix)")"
  maildir_total="$(python3 -c "print($maildir_total + $maildir)")"
  reference_total="$(python3 -c "print($reference_total + $theirs)")"
done
# The server bound: the same messages handed to the same LMTP server by a minimal client (Python's
# smtplib, one transaction after the other, no IMAP at all), into an empty destination.
rm -rf "$work/lmtp/mail" && mkdir -p "$work/lmtp/mail" && chown "$user:" "$work/lmtp/mail"
lmtp_only="$(python3 - "$work/template/mail" "$port" "$user" <<'PY'
import glob, smtplib, sys, time
directory, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
messages = [open(f, "rb").read() for f in sorted(glob.glob(directory + "/*/1700000000.M*"))]
start = time.time()
client = smtplib.LMTP("127.0.0.1", port)
for message in messages:
    client.sendmail("sender@example.org", [user], message)
client.quit()
print(f"{time.time() - start:.3f}")
PY
)"
echo "LMTP alone (smtplib, no IMAP): ${lmtp_only}s"
python3 - "$ours_total" "$unix_total" "$maildir_total" "$reference_total" "$rounds" "$count" <<'PY'
import sys
ours, unix, maildir, reference = (float(v) / int(sys.argv[5]) for v in sys.argv[1:5])
count = int(sys.argv[6])
for label, seconds in (("ours, LMTP over TCP", ours), ("ours, LMTP over unix socket", unix), ("ours, maildir", maildir),
                       ("reference, LMTP over TCP", reference)):
    print(f"{label + ':':29} {seconds:.3f} s  ({count / seconds:.0f} messages/s, {seconds / reference:.3f}x the reference's time)")
print(f"ratio reference/ours (LMTP over TCP): {reference / ours:.2f}x")
PY

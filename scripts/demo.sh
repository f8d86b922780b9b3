#!/usr/bin/env bash
# The main job on an embedded default: two fake IMAP stores (the simulator, no server to install)
# are seeded with sample mail, synchronized with the real `interimap` binary in tunnel mode,
# changed on both sides, synchronized again; the log lines and the resulting mailboxes are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --product interimap >/dev/null
swift build --product fake-imapd >/dev/null
bin="$(swift build --show-bin-path)"

demo="$(mktemp -d "${TMPDIR:-/tmp}/interimap-demo.XXXXXX")"
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/config/interimap" "$demo/data"
local_store=("$bin/fake-imapd" --state "$demo/local.json" --delimiter / --first-uidvalidity 1000)
remote_store=("$bin/fake-imapd" --state "$demo/remote.json" --delimiter . --first-uidvalidity 2000)

# Talks IMAP to one store as another mail client would (one command per line, CRLF-terminated).
imap() { local store=$1; shift; printf '%s\r\n' "$@" "z LOGOUT" | eval "\"\${${store}[@]}\"" >/dev/null; }
message() { printf 'From: %s\r\nTo: demo@example.org\r\nSubject: %s\r\n\r\n%s\r\n' "$1" "$2" "$3"; }
append() {  # append STORE MAILBOX FLAGS FROM SUBJECT TEXT
  local body; body="$(message "$4" "$5" "$6")"
  printf 'a APPEND %s (%s) {%d+}\r\n%s\r\nz LOGOUT\r\n' "$2" "$3" "${#body}" "$body" | eval "\"\${${1}[@]}\"" >/dev/null
}

echo "== Seeding the local store (delimiter /) and the remote store (delimiter .)"
imap local_store "a CREATE Archive/2025" "b CREATE Lists" "c SUBSCRIBE Lists"
append local_store INBOX '\Seen' alice@example.org "Lunch?" "Noon at the usual place."
append local_store INBOX '\Flagged' bob@example.org "Report" "The quarterly report is attached."
append local_store Archive/2025 '\Seen \Answered' carol@example.org "Old thread" "Archived."
imap remote_store "a CREATE Work" "b SUBSCRIBE Work"
append remote_store INBOX '' news@example.net "Newsletter" "This week in IMAP."
append remote_store Work '$Important' boss@example.net "Deadline" "Friday."

cat > "$demo/config/interimap/config" <<CONF
database = $demo/data/demo.db

[local]
type = tunnel
command = ${local_store[*]}

[remote]
type = tunnel
command = ${remote_store[*]}
CONF

run() { XDG_CONFIG_HOME="$demo/config" XDG_DATA_HOME="$demo/data" "$bin/interimap" "$@"; }

echo; echo "== First synchronization"
run
echo; echo "== Changes on both sides: a new message locally, a flag and an expunge remotely"
append local_store INBOX '' dave@example.org "Hello" "A new local message."
imap remote_store "a SELECT INBOX" "b UID STORE 1 +FLAGS (\\Answered)" "c UID STORE 2 +FLAGS (\\Deleted)" "d UID EXPUNGE 2"
echo; echo "== Second synchronization"
run
echo; echo "== Third synchronization (nothing to do)"
run

show() {
  echo "-- $1"
  local store=$2
  printf '%s\r\n' 'a LIST "" "*" RETURN (SUBSCRIBED STATUS (MESSAGES UIDNEXT))' "z LOGOUT" \
    | eval "\"\${${store}[@]}\"" | tr -d '\r' | grep -E '^\* (LIST|STATUS)' | sed 's/^\* /   /'
}
echo; echo "== Resulting mailboxes"
show "local store" local_store
show "remote store" remote_store

#!/usr/bin/env bash
# Prints the configuration of the dovecot daemon the benchmarks start (scripts/bench-interimap.sh,
# scripts/bench-mbsync.sh): IMAP on 127.0.0.1:PORT without TLS, any user name logging in with
# $BENCH_PASSWORD, each user's maildir under HOMES/NAME/mail owned by USER, and, when given, the
# capabilities it advertises (imap_capability) instead of its own.
#
#   bench-dovecot-conf.sh INSTANCE RUN_DIR STATE_DIR LOG PORT USER HOMES [CAPABILITIES]
set -euo pipefail
[ $# -ge 7 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
instance="$1" run_dir="$2" state_dir="$3" log="$4" port="$5" user="$6" homes="$7" caps="${8:-}"
cat <<CONF
instance_name = $instance
base_dir = $run_dir
state_dir = $state_dir
protocols = imap
ssl = no
disable_plaintext_auth = no
log_path = $log
mail_location = maildir:~/mail
mail_fsync = never
mail_max_userip_connections = 100
${caps:+imap_capability = $caps}
passdb {
  driver = static
  args = password=$BENCH_PASSWORD
}
userdb {
  driver = static
  args = uid=$user gid=$user home=$homes/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
# One long-lived login process instead of one spawned per connection: less noise in the
# wall times, the same for every engine.
service imap-login {
  service_count = 0
  process_min_avail = 1
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
CONF

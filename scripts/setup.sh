#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine, idempotently:
# system libraries, the real servers the integration tests talk to (dovecot IMAP and LMTP,
# a SOCKS5 proxy, openssl for TLS test certificates), the reference implementation used as a
# black box, scdoc and man-db (`make install` renders the manual pages, the tests check them with
# `man -l`; swift build needs neither), zsh and fish (the tests check the completion scripts
# with them), GNU time (scripts/bench-interimap.sh measures interimap's CPU time and peak memory
# with it), mbsync (isync: scripts/bench-mbsync.sh measures us against it), and the unprivileged
# user dovecot runs as (it refuses to run as root).
set -euo pipefail

packages=(
  libssl-dev zlib1g-dev libsqlite3-dev pkg-config sqlite3
  openssl ca-certificates
  dovecot-imapd dovecot-lmtpd
  microsocks
  interimap pullimap
  make scdoc man-db zsh fish
  time
  isync
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The unprivileged account the dovecot-backed tests run `doveadm exec imap` as.
user="${INTERIMAP_TEST_USER:-imaptest}"
if ! id "$user" >/dev/null 2>&1; then
  as_root useradd --system --create-home --home-dir "/var/lib/$user" --shell /usr/sbin/nologin "$user"
fi

# aiosmtpd: a real SMTP server (from PyPI) the delivery tests send mail to.
# (--break-system-packages when the system Python refuses pip installs, PEP 668)
python3 -c 'import aiosmtpd' 2>/dev/null || pip install -q aiosmtpd || pip install -q --break-system-packages aiosmtpd

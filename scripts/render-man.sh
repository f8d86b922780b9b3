#!/usr/bin/env bash
# Renders one manual page from its scdoc(5) source in doc/man/ to roff:
#   scripts/render-man.sh doc/man/interimap.1.scd > interimap.1
# A line `@include FILE` is replaced by doc/man/FILE (text shared by several pages);
# `@VERSION@` by the version the programs print.
set -euo pipefail
source="$1"
dir="$(dirname "$source")"
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v scdoc >/dev/null 2>&1; then
  echo "render-man: scdoc is not installed (scripts/setup.sh installs it)" >&2
  exit 69
fi
version="$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' "$root"/Sources/Engine/Version.swift 2>/dev/null | head -n1)"
awk -v dir="$dir" '
  /^@include / {
    file = dir "/" $2
    status = getline line < file
    if (status < 0) { print "render-man: cannot read " file > "/dev/stderr"; exit 66 }
    while (status > 0) { print line; status = getline line < file }
    close(file)
    next
  }
  { print }
' "$source" | sed "s/@VERSION@/${version:-unknown}/g" | scdoc

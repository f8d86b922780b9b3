#!/usr/bin/env bash
# Runs every test: installs missing system packages and the test user first (scripts/setup.sh),
# then builds everything and runs the whole XCTest suite (unit tests, the fake-server suite, and
# the integration tests against real dovecot, openssl s_server and microsocks).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"

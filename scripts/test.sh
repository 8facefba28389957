#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
# format, lints, docs, dependency invariants, and every test on SQLite and on a
# real PostgreSQL that this script starts on 127.0.0.1 and stops afterwards, the
# browser tests in Debian's Chromium (installed if missing, run headless), and
# the connector tests against real network servers (Bluesky PDS, Synapse, IMAP
# and SMTP; installed once into a cache by scripts/servers.sh, started and
# stopped on 127.0.0.1 by the tests themselves) and local fakes.
# Their screenshots land in target/screenshots/<test>/.
set -euo pipefail
cd "$(dirname "$0")/.."

# CI builds from scratch, where incremental caches only cost disk (about 1 GB
# for a full test build) and time.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "dependency invariants (ARCHITECTURE.md)"
scripts/check-deps.sh

step "cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "PostgreSQL for the store tests"
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
start_postgres
trap stop_postgres EXIT
export TEND_REQUIRE_POSTGRES=1

step "Chromium for the browser tests"
# shellcheck source=scripts/chromium.sh
source scripts/chromium.sh
find_chromium

step "the real network servers for the connector tests (cached in ${TEND_SERVERS_CACHE:-~/.cache/tend-servers})"
# shellcheck source=scripts/servers.sh
source scripts/servers.sh
install_servers

step "tests (SQLite, PostgreSQL, Chromium and the network servers)"
if cargo nextest --version >/dev/null 2>&1; then
    # nextest runs each test in its own process; the Bluesky and Matrix
    # connector tests share one real server per test binary, so those two
    # binaries run whole, in one process each, just after.
    SHARED='package(tend-channels) & (binary(bluesky) | binary(matrix))'
    cargo nextest run --workspace --locked --no-fail-fast --status-level pass --final-status-level fail \
        -E "not ($SHARED)"
    step "connector tests that share one real server (Bluesky PDS, Synapse)"
    cargo test --locked --workspace --test bluesky --test matrix
else
    cargo test --workspace --locked --no-fail-fast
fi

step "store story on PostgreSQL, with its output"
# --workspace keeps the features unified with the run above: `-p tend-store`
# alone would rebuild its dependencies with other features (~3 GB, minutes).
cargo test --locked --workspace --test story story_on_postgres -- --nocapture 2>&1 | grep -E "story_on_postgres|test result"

step "many processes on one database, with their figures"
# The multi-process job test again with its output: replies queued, messages
# answered more than once, which processes ran the reply jobs.
cargo test --locked --workspace --test multiprocess -- --nocapture 2>&1 | grep -E "^multiprocess|test result"

step "browser test screenshots"
find "${CARGO_TARGET_DIR:-target}/screenshots" -name '*.png' | sort

step "all checks passed"

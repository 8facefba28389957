#!/usr/bin/env bash
# Runs every test binary of the workspace with the system clock faked to a later
# date (libfaketime), to find tests that depend on the calendar. Usage:
#   scripts/future-dates.sh ['2031-06-01 12:00:00' ['2040-02-29 23:30:00' …]]
# SQLite only (PostgreSQL and Chromium run on the real clock and are left out).
# cargo itself hangs under libfaketime, so the binaries are built first and run
# directly.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || {
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get install -y -qq faketime >/dev/null
}
dates=("$@")
[ ${#dates[@]} -gt 0 ] || dates=("2031-06-01 12:00:00" "2040-02-29 23:30:00")
bins="$(mktemp)"
cargo test --workspace --locked --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"].get("test"):
        print(m["executable"], m["manifest_path"].rsplit("/", 1)[0])
' >"$bins"
target="${CARGO_TARGET_DIR:-$PWD/target}"
fail=0
for date in "${dates[@]}"; do
    echo "==> tests at $date"
    while read -r bin dir; do
        if ! (cd "$dir" && env -u TEND_TEST_DATABASE_URL -u TEND_REQUIRE_POSTGRES -u TEND_CHROMIUM \
            CARGO_BIN_EXE_tend="$target/debug/tend" FAKETIME_DONT_FAKE_MONOTONIC=1 \
            faketime "$date" "$bin" --test-threads=2 >/tmp/future-dates.log 2>&1); then
            echo "FAILED at $date: $bin"
            grep -E "panicked|FAILED" /tmp/future-dates.log | head -20
            fail=1
        fi
    done <"$bins"
done
rm -f "$bins"
exit $fail

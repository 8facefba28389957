#!/usr/bin/env bash
# Checks the dependency invariants written in ARCHITECTURE.md with `cargo tree`.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
# Crates whose whole normal-dependency tree must not contain the named crates.
forbid_anywhere() {
    local krate="$1"; shift
    local tree
    tree="$(cargo tree --locked -p "$krate" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)"
    for bad in "$@"; do
        if grep -qx "$bad" <<<"$tree"; then
            echo "invariant broken: $krate depends (transitively) on $bad"
            fail=1
        fi
    done
}
# Only the named crates may list `dep` as a direct dependency.
only_direct() {
    local dep="$1"; shift
    local krate
    for manifest in crates/*/Cargo.toml; do
        krate="$(basename "$(dirname "$manifest")")"
        if sed -n '/^\[dependencies\]/,/^\[/p' "$manifest" | grep -q "^$dep[ =.]"; then
            if ! printf '%s\n' "$@" | grep -qx "$krate"; then
                echo "invariant broken: $krate names $dep directly (only $* may)"
                fail=1
            fi
        fi
    done
}

forbid_anywhere tend-domain sqlx axum tokio reqwest hyper
forbid_anywhere tend-nlp tend-domain tend-store tend-core tend-server sqlx axum tokio reqwest hyper
forbid_anywhere tend-rules tend-domain tend-store tend-core tend-server sqlx axum tokio reqwest hyper
forbid_anywhere tend-store axum hyper
forbid_anywhere tend-channels sqlx axum tend-store tend-core
forbid_anywhere tend-listen tend-domain tend-store tend-core tend-server tend-nlp sqlx axum tokio reqwest hyper
forbid_anywhere tend-chart tend-domain tend-store tend-core tend-server tend-nlp sqlx axum tokio reqwest hyper
# tend-fakes (test support: fake network servers) is the other axum user.
only_direct axum tend-server tend-fakes
# tend-bench's raw-SQL baseline is the one exception: a baseline that went through
# the store would measure the store against itself.
only_direct sqlx tend-store tend-bench

# The demo generator and the benches are not product code: only the `tend` binary
# (and tend-bench, for the demo's spike evaluation) names them as normal
# dependencies; tests may use them as dev-dependencies.
only_direct tend-demo tend-cli tend-bench
only_direct tend-bench tend-cli
for product in tend-domain tend-store tend-channels tend-nlp tend-rules tend-listen tend-chart tend-core tend-server; do
    forbid_anywhere "$product" tend-demo tend-bench tend-fakes
done
# The demo installs through tend-core's use cases; it knows nothing of HTTP or the benches.
forbid_anywhere tend-demo tend-server tend-bench axum
# tend-bench reaches axum only through tend-fakes (the live bench runs the Mastodon fake).
forbid_anywhere tend-bench tend-server

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "dependency invariants hold"

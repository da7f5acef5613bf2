#!/bin/sh
# deps.sh — install the Debian packages gauntlet builds with, when pkg-config
# cannot find them. Prints what it does; a no-op when everything is present.
#   usage: mk/deps.sh [extra-debian-package...]
set -eu
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for pair in libfiu:libfiu-dev check:check libcjson:libcjson-dev lua5.4:liblua5.4-dev; do
    mod=${pair%%:*}; pkg=${pair#*:}
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$mod"; then
        missing="$missing $pkg"
    fi
done
for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then apt="apt-get"; else apt="sudo apt-get"; fi
echo "deps: installing:$missing"
echo "deps: $apt update && $apt install -y$missing"
export DEBIAN_FRONTEND=noninteractive
$apt update -qq
# shellcheck disable=SC2086
$apt install -y -qq $missing

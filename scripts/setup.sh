#!/bin/sh
# Installs the Debian packages overlapsim needs, only those missing, so that
# `make demo` and `make test` work on a fresh Debian 12 machine.
set -eu
# libpq-dev always: the library links libpq. --live adds what `make test`
# runs besides: a PostgreSQL server (a throwaway cluster), libfaketime (clock
# skew) and Debian's chromium (the report checked in a headless browser).
PKGS="build-essential pkg-config clang-format libinih-dev libcmocka-dev libjansson-dev libyaml-dev libpq-dev gnuplot-nox jq clang libclang-rt-14-dev"
[ "${1:-}" = "--live" ] && PKGS="$PKGS faketime libfaketime postgresql chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages:$missing (run as root, or install them)" >&2
    exit 2
fi
echo "setup: installing$missing" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2

#!/bin/sh
# Entry point of the Quarry image: prepares the writable state directory, then runs the command.
set -eu
var="${QUARRY_VAR_DIR:-/var/lib/quarry}"
mkdir -p "$var/tmp" "$var/keys" "$var/exports" "$var/media"
chmod 0700 "$var/keys"
# STATIC_ROOT is $QUARRY_VAR_DIR/static: point it at the files collected into this image, so
# every container serves the static files of its own image version, never a copy left in the
# volume by an older one. Several containers may start at once: tolerate losing the race.
if [ "$(readlink "$var/static" 2>/dev/null || true)" != /opt/quarry/static ]; then
    rm -rf "$var/static" 2>/dev/null || true
    ln -s /opt/quarry/static "$var/static" 2>/dev/null || true
fi
exec "$@"

#!/bin/sh
# Without a configuration file Redis only answers clients on loopback ("protected mode"); on a
# compose network the clients are other containers, as with the official image.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec redis-server --protected-mode no "$@"
fi
exec "$@"

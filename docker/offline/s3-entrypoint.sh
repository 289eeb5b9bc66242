#!/bin/sh
# Takes MinIO's command line (`server DIR [--console-address ADDR]`) and serves the S3 API on
# port 9000 as MinIO does; the data directory and the console have no moto counterpart.
set -eu
if [ "${1:-}" = server ]; then
    exec moto_server --host 0.0.0.0 --port 9000
fi
exec "$@"

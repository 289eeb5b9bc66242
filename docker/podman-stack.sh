#!/bin/sh
# docker/compose.yml with the offline stand-ins (docker/compose.offline.yml), driven by Debian's
# podman-compose 1.0, which starts services in dependency order but ignores depends_on
# conditions: `up` therefore starts the stack in the stages the conditions describe.
#   docker/podman-stack.sh build   # base images if missing, then every image (layer-cached)
#   docker/podman-stack.sh up      # infrastructure healthy, bucket and migrations done, then app
#   docker/podman-stack.sh down    # containers, volumes and network removed
# Reads SECRET_KEY, QUARRY_HTTP_PORT, QUARRY_INGEST_PORT, MINIO_CONSOLE_PORT… as compose.yml does; the project name
# from QUARRY_PROJECT (default quarry); the CA bundle handed to pip in builds from
# QUARRY_BUILD_CA (default: the system bundle, where one exists).
set -eu
cd "$(dirname "$0")/.."
project=${QUARRY_PROJECT:-quarry}
ca=${QUARRY_BUILD_CA-/etc/ssl/certs/ca-certificates.crt}

compose() {
    podman-compose -p "$project" -f docker/compose.yml -f docker/compose.offline.yml "$@"
}

# podman-compose 1.0 exits 0 even when a podman command it ran failed; its output says. A
# container that exists already is not a failure: podman-compose then starts it instead.
checked() {
    log=$(mktemp)
    status=0
    compose "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || ! awk '
        /name .* is already in use/ { exists = 1; next }
        /^exit code: [1-9]/ && !exists { failed = 1 }
        { exists = 0 }
        END { exit failed }' "$log"; then
        cat "$log" >&2
        rm -f "$log"
        echo "podman-compose $*: failed" >&2
        return 1
    fi
    rm -f "$log"
}

healthy() {
    for service in "$@"; do
        tries=0
        until podman healthcheck run "${project}_${service}_1" >/dev/null 2>&1; do
            tries=$((tries + 1))
            if [ "$tries" -gt 90 ]; then
                podman logs --tail 30 "${project}_${service}_1" >&2 || true
                echo "$service: not healthy after 3 minutes" >&2
                return 1
            fi
            sleep 2
        done
    done
}

completed() {
    for service in "$@"; do
        status=$(podman wait "${project}_${service}_1")
        if [ "$status" != 0 ]; then
            podman logs --tail 30 "${project}_${service}_1" >&2 || true
            echo "$service: exited $status" >&2
            return 1
        fi
    done
}

case "${1:-}" in
build)
    docker/base-image.sh
    build_args="--network host"
    if [ -n "$ca" ] && [ -f "$ca" ]; then
        build_args="$build_args --volume $ca:/host-ca.crt:ro --build-arg PIP_CERT=/host-ca.crt"
    fi
    # web stands for migrate, ingest, worker and beat: one image, built once.
    checked --podman-build-args="$build_args" build postgres redis minio web
    # Each source change leaves the previous app image untagged; without this, CI would keep
    # every one of them.
    podman image prune -f --filter label=org.quarry.image=app >/dev/null
    ;;
up)
    checked up -d postgres redis minio
    healthy postgres redis minio
    checked up -d createbucket migrate
    completed createbucket migrate
    checked up -d web ingest worker beat
    healthy web ingest
    ;;
down)
    compose down -v -t 10 >/dev/null 2>&1 || true
    # podman-compose 1.0 leaves the project's network behind.
    podman network rm -f "${project}_default" >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 build|up|down" >&2
    exit 2
    ;;
esac

#!/bin/sh
# Makes the base images that docker/Dockerfile and docker/compose.offline.yml build from on a
# machine without Docker Hub: a minimal Debian bookworm made by debootstrap from the mirror apt
# already uses, and the same with Debian's Python 3.11. Idempotent: an image that exists is kept.
#   docker/base-image.sh            # as root; needs podman, runc, debootstrap
# Images: localhost/debian-base:bookworm, localhost/debian-python:bookworm
set -eu
cd "$(dirname "$0")/.."

base=localhost/debian-base:bookworm
python=localhost/debian-python:bookworm

# The sandboxes this runs in refuse setrlimit, and crun trips over their hybrid cgroups:
# podman must use runc and set no default ulimits.
conf=/etc/containers/containers.conf.d/quarry.conf
if [ ! -f "$conf" ]; then
    mkdir -p "$(dirname "$conf")"
    printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' >"$conf"
fi

if ! podman image exists "$base"; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    rootfs=$(mktemp -d /var/tmp/debian-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}"
    # Leave no apt lists in the image; builds that install packages run apt-get update.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
    tar -C "$rootfs" -c . | podman import \
        --change 'CMD ["/bin/bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$base"
    rm -rf "$rootfs"
    trap - EXIT
fi

if ! podman image exists "$python"; then
    podman build --network host --build-arg BASE="$base" \
        -t "$python" -f docker/offline/python.Dockerfile docker/offline
fi

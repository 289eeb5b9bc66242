# Debian's Python 3.11 standing in for python:3.11-slim where Docker Hub is out of reach
# (built by docker/base-image.sh). Debian marks its Python as externally managed; the Quarry
# image installs into a virtual environment, PIP_BREAK_SYSTEM_PACKAGES covers anything else.
ARG BASE=localhost/debian-base:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-pip python3-venv python-is-python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_BREAK_SYSTEM_PACKAGES=1 \
    LANG=C.UTF-8
CMD ["python3"]

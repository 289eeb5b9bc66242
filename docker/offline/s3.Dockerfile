# Stand-in for MinIO (and its mc client) in docker/compose.yml: moto's S3 server from PyPI, on
# Debian's Python (see docker/README.md, "Without Docker Hub"). It keeps objects in memory: a
# store for trying the stack and for tests, not for evidence anyone needs to keep.
ARG PYTHON_IMAGE=localhost/debian-python:bookworm
FROM ${PYTHON_IMAGE}
# The same moto as the dev extra in pyproject.toml.
ARG MOTO_VERSION=5.2.5
ARG PIP_CERT
RUN python -m venv /opt/moto \
 && /opt/moto/bin/pip install --no-cache-dir "moto[server,s3]==${MOTO_VERSION}" \
 && useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin moto
COPY s3-entrypoint.sh /usr/local/bin/s3-entrypoint
COPY mc.py /usr/local/bin/mc
ENV PATH=/opt/moto/bin:$PATH \
    HOME=/tmp
USER moto
EXPOSE 9000
ENTRYPOINT ["s3-entrypoint"]
CMD ["server", "/data"]

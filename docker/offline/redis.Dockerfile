# Stand-in for the redis image of docker/compose.yml, from Debian's Redis 7.0 (see
# docker/README.md, "Without Docker Hub"): redis-server and redis-cli on the PATH, data in /data.
ARG BASE=localhost/debian-base:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/redis-entrypoint
WORKDIR /data
USER redis
EXPOSE 6379
ENTRYPOINT ["redis-entrypoint"]
CMD ["redis-server"]

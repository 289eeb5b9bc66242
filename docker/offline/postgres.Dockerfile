# Stand-in for the postgres image of docker/compose.yml, from Debian's PostgreSQL 15 (see
# docker/README.md, "Without Docker Hub"). Same interface as the official image where compose.yml
# relies on it: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, scripts in
# /docker-entrypoint-initdb.d run on first start, data in /var/lib/postgresql/data, pg_isready
# on the PATH.
ARG BASE=localhost/debian-base:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
CMD ["postgres"]

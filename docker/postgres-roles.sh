#!/bin/sh
# Run by the postgres image once, when its volume is first initialised: Quarry's two logins
# (docs/tamper-evidence.md). The app's owns nothing; `migrate` grants it what it may do.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$QUARRY_OWNER_DB_PASSWORD" -v app_password="$QUARRY_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE quarry_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE quarry_app LOGIN PASSWORD :'app_password';
CREATE DATABASE quarry OWNER quarry_owner;
SQL

#!/usr/bin/env bash
# /docker-entrypoint-initdb.d script for the postgres:15 image (docker-compose.yml): on the
# first start of an empty volume, creates tunefleet's roles with the passwords of the
# pg_*_password secrets (deploy/postgres/roles.sql; docs/DATABASE.md "Roles").
set -euo pipefail
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v database="$POSTGRES_DB" \
  -v owner_password="$(cat /run/secrets/pg_owner_password)" \
  -v worker_password="$(cat /run/secrets/pg_worker_password)" \
  -v reader_password="$(cat /run/secrets/pg_reader_password)" \
  -f /usr/share/tunefleet/roles.sql

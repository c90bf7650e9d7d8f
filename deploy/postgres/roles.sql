-- The roles tunefleet connects as (docs/DATABASE.md "Roles"), for a superuser (or a role with
-- CREATEROLE and CREATEDB) to run once per cluster, and again after any change; idempotent:
--
--   psql -X -v ON_ERROR_STOP=1 -d postgres -f deploy/postgres/roles.sql \
--     -v database=tunefleet -v owner_password=... -v worker_password=... -v reader_password=...
--
-- scripts/stack runs it with the private stack's development passwords. Afterwards:
--   tunefleet migrate        as tunefleet_owner  (TUNEFLEET_PG_MIGRATE_DSN)
--   workers and builders     as tunefleet_worker (TUNEFLEET_PG_DSN)
--   similar, export, Grafana as tunefleet_reader (TUNEFLEET_PG_READ_DSN)
-- More login roles (one per worker Deployment, say) can be members of these instead:
--   CREATE ROLE spotify_worker LOGIN PASSWORD '...' IN ROLE tunefleet_worker;

-- 1. The roles: none may create databases or roles, none is a superuser.
SELECT format('CREATE ROLE %I', name)
FROM (VALUES ('tunefleet_owner'), ('tunefleet_worker'), ('tunefleet_reader')) AS r(name)
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r.name) \gexec
ALTER ROLE tunefleet_owner  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE tunefleet_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'worker_password';
ALTER ROLE tunefleet_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'reader_password';
-- The reader is read-only even where a grant is forgotten: every transaction it opens is.
ALTER ROLE tunefleet_reader SET default_transaction_read_only = on;

-- 2. The database, owned by the owner role (in PostgreSQL 15 that makes it the owner of the
-- public schema too: only it may create objects there).
SELECT format('CREATE DATABASE %I OWNER tunefleet_owner', :'database')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO tunefleet_owner;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO tunefleet_owner;
GRANT CONNECT ON DATABASE :"database" TO tunefleet_worker, tunefleet_reader;

-- 3. The grants of migrations/0003_roles.sql, for a database migrated before the roles existed.
\connect :"database"
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tunefleet_worker;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tunefleet_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tunefleet_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE tunefleet_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tunefleet_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE tunefleet_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO tunefleet_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE tunefleet_owner IN SCHEMA public
  GRANT SELECT ON TABLES TO tunefleet_reader;
SELECT 'REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM tunefleet_worker'
WHERE to_regclass('public.schema_migrations') IS NOT NULL \gexec
-- 0008_catalog_stats's counter deltas: written by its triggers (as the owner) only.
SELECT 'REVOKE INSERT, UPDATE, DELETE ON catalog_counter_deltas FROM tunefleet_worker'
WHERE to_regclass('public.catalog_counter_deltas') IS NOT NULL \gexec

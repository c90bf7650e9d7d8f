-- 0003_roles: least privilege (docs/DATABASE.md "Roles").
--
-- `tunefleet migrate` runs as the owner role (it owns every table and does the DDL). Workers
-- and builders connect as members of tunefleet_worker: read and write the catalog's rows,
-- nothing else (no DDL, not owner of anything, no schema_migrations writes). The read-only
-- tools (`similar`, `export`, Grafana, analytics) connect as members of tunefleet_reader.
--
-- Roles are cluster-wide and creating them needs CREATEROLE, which the owner has not: they
-- come first, from deploy/postgres/roles.sql (scripts/stack runs it). Where they do not exist
-- this migration grants nothing and says so; running deploy/postgres/roles.sql afterwards
-- grants the same (it repeats this block as a superuser).
--
-- ALTER DEFAULT PRIVILEGES covers the tables and sequences later migrations create, as long
-- as the same role runs them (the owner role: always run `tunefleet migrate` as it).

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tunefleet_worker') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tunefleet_worker;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tunefleet_worker;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tunefleet_worker;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO tunefleet_worker;
    -- The migrations' own ledger (the migrator creates it before any migration runs): a
    -- worker may see which are applied, never record one.
    IF to_regclass('schema_migrations') IS NOT NULL THEN
      REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM tunefleet_worker;
    END IF;
  ELSE
    RAISE WARNING 'role tunefleet_worker does not exist: no grants made (run deploy/postgres/roles.sql as a superuser)';
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tunefleet_reader') THEN
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO tunefleet_reader;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO tunefleet_reader;
  ELSE
    RAISE WARNING 'role tunefleet_reader does not exist: no grants made (run deploy/postgres/roles.sql as a superuser)';
  END IF;
END
$$;

-- The role the API connects as in both Compose stacks: `userapi`, a login and nothing
-- more, granted exactly what the server's statements use on the seed's table. The
-- superuser `postgres` stays the operator's: PostgreSQL keeps its last connection slots
-- (superuser_reserved_connections) for superusers, so an operator can always `psql` in,
-- however many connections the API holds.
--
-- Run by a superuser, in the app's database, after init.sql (the table must exist):
--   docker-compose.yml     the postgres image runs it once, on a new volume, from
--                          /docker-entrypoint-initdb.d (after init.sql: name order)
--   docker-compose.ha.yml  Patroni's post_bootstrap (scripts/ha/post-bootstrap.sh)
--   an existing database   once, by hand (docs/reliability.md, "The role the API
--                          connects as")
-- Running it again is harmless: it creates the role only if it is missing, then sets
-- its attributes, password and grants again.
--
-- The password comes from the environment (USERAPI_PASSWORD, read by psql 15's
-- \getenv), so that it is written in the compose file only, next to the backend's copy
-- of it; without one the script stops before it changes anything.
\set userapi_password ''
\getenv userapi_password USERAPI_PASSWORD
SELECT :'userapi_password' = '' AS userapi_password_unset \gset
\if :userapi_password_unset
  DO $$ BEGIN RAISE EXCEPTION 'USERAPI_PASSWORD is not set: the password userapi logs in with'; END $$;
\endif

SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'userapi') AS userapi_missing \gset
\if :userapi_missing
  CREATE ROLE userapi;
\endif
-- Spelled out although all but LOGIN are CREATE ROLE's defaults, so that a rerun also
-- takes back any of these powers given to userapi by hand since.
ALTER ROLE userapi WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'userapi_password';

-- Grants, not ownership. The server reads (SELECT) and inserts (INSERT, whose SERIAL
-- default takes the sequence's next value: USAGE) and does nothing else; an owner could
-- also ALTER, TRUNCATE or DROP the table, and grant itself UPDATE and DELETE. Without
-- CREATE on schema `public` (PostgreSQL 15's default for everyone but its owner), the
-- server's own CREATE TABLE IF NOT EXISTS at connect fails with 42501; the server
-- expects that and goes on (its prepared statements say whether the table exists).
GRANT SELECT, INSERT ON TABLE users TO userapi;
GRANT USAGE ON SEQUENCE users_id_seq TO userapi;

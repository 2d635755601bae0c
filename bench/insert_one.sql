-- pgbench ceiling for POST /users: the server's own single-row INSERT, one commit each
-- (synchronous_commit on, as for the server). A random 62-bit number keeps emails unique.
\set n random(1, 4611686018427387903)
INSERT INTO users (name, email, age) VALUES ('Bench User', 'pgbench-' || :n || '@bench.example', 30) RETURNING id;

-- pgbench ceiling for GET /users: the full table, as the server reads it.
SELECT id, name, email, age FROM users ORDER BY id;

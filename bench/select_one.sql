-- pgbench ceiling for GET /users/{id}: the server's own single-row SELECT, random ids.
\set id random(1, 10000)
SELECT id, name, email, age FROM users WHERE id = :id;

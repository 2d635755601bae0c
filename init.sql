-- The users table, as the seed defines it (capstone spec, section 5).
-- PostgreSQL's image runs this once, when its data volume is new; the server runs the
-- same statement when it connects and finds the table missing, because the image skips
-- init scripts when the volume already exists. IF NOT EXISTS makes both runs harmless.
CREATE TABLE IF NOT EXISTS users (
    id SERIAL PRIMARY KEY,              -- auto-incrementing integer id
    name VARCHAR(100) NOT NULL,         -- display name; required
    email VARCHAR(255) UNIQUE NOT NULL, -- unique (constraint users_email_key); required
    age INTEGER                         -- optional
);

#!/bin/sh
# Patroni's post_bootstrap: run once, on the node that initialised the cluster, with a
# connection string to it as $1 (as the superuser, database `postgres`); the other
# nodes copy this node's data, these objects included. It makes what the postgres
# image's /docker-entrypoint-initdb.d makes in docker-compose.yml: the database appdb,
# the seed's table (init.sql), and the API's role `userapi` with its grants on it
# (userapi-role.sql, which reads USERAPI_PASSWORD from the environment). Both files
# are the checkout's, given to the nodes by docker-compose.ha.yml (`configs`).
# The backend cannot create the table itself: `userapi` may not create tables.
set -eu
psql "$1" -v ON_ERROR_STOP=1 -c "CREATE DATABASE appdb"
# `\c appdb` keeps the rest of $1 (host, port, user; the password is in PGPASSFILE).
psql "$1" -v ON_ERROR_STOP=1 -q \
  -c '\c appdb' -f /etc/patroni/init.sql -f /etc/patroni/userapi-role.sql

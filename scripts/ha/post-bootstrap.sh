#!/bin/sh
# Patroni's post_bootstrap: run once, on the node that initialised the cluster, with a
# connection URL to it as $1. The backend creates its table itself at start-up.
set -eu
psql "$1" -v ON_ERROR_STOP=1 -c "CREATE DATABASE appdb"

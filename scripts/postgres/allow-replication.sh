#!/bin/sh
# Run once by the postgres image when it creates the `db` cluster (docker-entrypoint-initdb.d):
# lets the replica (docker-compose.yml `db-replica`, decision 0031) stream from it as the
# portal's own role, with its password. A cluster made before this file existed needs the same
# line added to its pg_hba.conf and `SELECT pg_reload_conf()`.
set -e
echo "host replication ${POSTGRES_USER:-postgres} all scram-sha-256" >> "$PGDATA/pg_hba.conf"

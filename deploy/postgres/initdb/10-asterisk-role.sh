#!/bin/sh
# Run once by the postgres image, when the data volume is first created
# (/docker-entrypoint-initdb.d): the role Asterisk writes queue_log and CEL rows with
# (asterisk/res_pgsql.conf, asterisk/cel_pgsql.conf).
#
# It may INSERT into the tables callcenter's migrations create (queue_log and cel, issue 15)
# and draw their id sequences: it can read nothing, change or delete nothing. Default
# privileges cover every table the callcenter role creates later; a migration may narrow them
# to the two tables. An existing volume is not touched: see docs/deploy.md ("Upgrades").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=pw="$ASTERISK_DB_PASSWORD" --set=owner="$POSTGRES_USER" --set=db="$POSTGRES_DB" \
    --set=role="${ASTERISK_DB_USER:-asterisk}" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
GRANT CONNECT ON DATABASE :"db" TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT INSERT ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE ON SEQUENCES TO :"role";
SQL

#!/usr/bin/env bash
# Samples what PostgreSQL's active backends of a bench database wait for,
# every 20 ms for SECONDS, and prints the counts by wait event and the
# statements that waited for a lock (docs/benchmarks.md, issue 16: the
# lock-wait sampling of two replicas). Run it while bench/run.sh drives a
# load in MODE=postgres or MODE=replicas:
#
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable bash bench/pgwaits.sh 10
#
# It waits for wrk to start and samples the newest database steward_bench_*.
set -euo pipefail
secs=${1:-10}
dsn=${BENCH_POSTGRES:?set BENCH_POSTGRES (see bench/run.sh)}
for _ in $(seq 1 600); do pgrep -x wrk >/dev/null && break; sleep 0.5; done
sleep 2
db=$(psql -q "$dsn" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'steward_bench_%' ORDER BY oid DESC LIMIT 1")
[ -n "$db" ] || { echo "no steward_bench_* database: is bench/run.sh running?" >&2; exit 1; }
psql -q "$dsn" -At <<SQL
CREATE TEMP TABLE waits (kind text, event text, query text);
DO \$\$ BEGIN
  FOR i IN 1..$((secs * 50)) LOOP
    PERFORM pg_stat_clear_snapshot();
    INSERT INTO waits SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'),
      left(regexp_replace(query, '\s+', ' ', 'g'), 60)
      FROM pg_stat_activity WHERE datname = '$db' AND state = 'active' AND pid <> pg_backend_pid();
    PERFORM pg_sleep(0.02);
  END LOOP;
END \$\$;
SELECT 'samples', count(*) FROM waits;
SELECT kind, event, count(*) FROM waits GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 12;
SELECT 'lock wait', query, count(*) FROM waits WHERE kind = 'Lock' GROUP BY 2 ORDER BY 3 DESC LIMIT 5;
SQL

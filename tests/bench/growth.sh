# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with run.sh (checked there: shellcheck -x run.sh)
# Section "growth" of tests/bench/run.sh (sourced): does B slow down as its
# store fills? For SQLite and PostgreSQL (RabbitMQ, dev profile, an
# API-only host), at each size of --growth-sizes, in a store of its own:
#   1. the host starts once, so that its plugin makes the schema, and stops;
#   2. the store is filled with SQL (sqlite3 on the host's file, one
#      INSERT ... SELECT over generate_series in PostgreSQL): SIZE tasks as
#      production holds them, 99% completed (parameters wiped, as complete()
#      leaves them) over 30 days, 1% queued and published in the last 20
#      minutes, ten tasks per device, and an Idempotency-Key for every task
#      (the most a client can store);
#   3. bytes per stored task: SQLite's file after a checkpoint (TRUNCATE),
#      PostgreSQL's pg_total_relation_size of tasks and idempotency_keys after
#      VACUUM ANALYZE, each over the tasks;
#   4. at the largest size, the plans of the stuck-task count (queuedBefore),
#      the outbox sweep's claim and the retention delete, with the SQL read
#      from the plugins' sources, written to the output folder with a
#      verdict each;
#   5. once every size of the store is filled, the host on each in turn,
#      --runs rounds of one run each (the median shown): GET of stored tasks
#      drawn at random (10,000 of them), then (as POSTs add tasks) POST,
#      each run after a 2 s run not counted (warm_up). In turn, because
#      the machine's speed drifts over the minutes a section takes (measured
#      one size after the other, PostgreSQL's GET over 10^6 tasks came out
#      at 0.73 of the 10^4 rate in one full run, 1.31 in a run of those two
#      sizes alone).
# Rates are shown with their ratio to the smallest size's: the issue wants
# them within 20% of each other. POSTs add tasks as they are measured (the
# table says how many were stored after them).

growth_rows=()   # store tasks method rate p50 p99 ratio bytes_tasks bytes_all after
growth_plans=()  # store tasks query verdict indexes
growth_notes=()
declare -A growth_where growth_bytes_of growth_paths growth_get_runs growth_post_runs  # by "STORE SIZE"

# Spans of the fill, in ms: finished tasks were created from 30 days less an
# hour ago (retention, 30 days, deletes none of them during the run) to 20
# minutes ago; queued ones in the last 20 minutes (younger than
# host.stuckTaskAgeSeconds, so none is reported stuck).
growth_oldest_ms=$(((30 * 24 - 1) * 3600 * 1000))
growth_recent_ms=$((20 * 60 * 1000))
growth_params='{"username":"admin","password":"admin","vlan":534,"interfaces":[1,2,3,4]}'

psql_file() {  # FILE: each statement on its own (VACUUM cannot run in a transaction)
  PGPASSWORD=cpe psql -qtA -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=5432 dbname=cpe_test user=cpe connect_timeout=3" -f "$1"
}

# cpp_sql FILE NAME: the SQL of the C++ constant NAME in FILE, its string
# literals joined (a PreparedStatement's first literal, its name, left out),
# so that the plans are those of the SQL the plugin runs today.
cpp_sql() {
  awk -v name="$2" '
    $0 ~ ("(const char\\* |PreparedStatement )" name "( =|\\{)") {inside = 1; skip = ($0 ~ /PreparedStatement/)}
    inside {
      line = $0
      while (match(line, /"([^"\\]|\\.)*"/)) {
        literal = substr(line, RSTART + 1, RLENGTH - 2)
        gsub(/\\"/, "\"", literal)
        if (skip) skip = 0; else sql = sql literal
        line = substr(line, RSTART + RLENGTH)
      }
      if ($0 ~ /;[[:space:]]*$/) exit
    }
    END {print sql}' "$1"
}

# growth_fill_sqlite DB SIZE / growth_fill_postgres SCHEMA SIZE: see 2. above.
growth_fill_sqlite() {
  local db="$1" size="$2" queued=$(($2 / 100 > 0 ? $2 / 100 : 1)) devices=$(($2 / 10 > 0 ? $2 / 10 : 1))
  local finished=$((size - queued)) now
  now=$(date +%s%3N)
  sqlite3 -batch -bail "$db" >/dev/null <<SQL
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $size),
rows(i, h, queued, created) AS (
  SELECT i, lower(hex(randomblob(16))), i > $finished,
         CASE WHEN i > $finished THEN $now - $growth_recent_ms + (i - $finished - 1) * $growth_recent_ms / $queued
              ELSE $now - $growth_oldest_ms + (i - 1) * ($growth_oldest_ms - $growth_recent_ms) / $finished END
  FROM n)
INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status, result_code,
                   result_message, created_at, updated_at, published, publish_count,
                   last_published_at)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
         substr('89ab', 1 + i % 4, 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12),
       'CPE' || printf('%07d', i % $devices), 14,
       CASE WHEN queued THEN '$growth_params' ELSE '' END,
       CASE WHEN queued THEN 'queued' ELSE 'completed' END,
       CASE WHEN queued THEN 0 ELSE 200 END, CASE WHEN queued THEN '' ELSE 'success' END,
       created, CASE WHEN queued THEN created ELSE created + 60000 + i % 1000 END, 1, 1, created + 50
FROM rows;
INSERT INTO idempotency_keys (equipment_id, key, task_id, created_at)
SELECT equipment_id, lower(hex(randomblob(16))), id, created_at FROM tasks;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

growth_fill_postgres() {
  local schema="$1" size="$2" queued=$(($2 / 100 > 0 ? $2 / 100 : 1)) devices=$(($2 / 10 > 0 ? $2 / 10 : 1))
  local finished=$((size - queued)) now sql="$work/fill.sql"
  now=$(date +%s%3N)
  cat >"$sql" <<SQL
SET search_path TO $schema;
INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status, result_code,
                   result_message, created_at, updated_at, published, publish_count,
                   last_published_at)
SELECT gen_random_uuid()::text, 'CPE' || lpad((i % $devices)::text, 7, '0'), 14,
       CASE WHEN queued THEN '$growth_params' ELSE '' END,
       CASE WHEN queued THEN 'queued' ELSE 'completed' END,
       CASE WHEN queued THEN 0 ELSE 200 END, CASE WHEN queued THEN '' ELSE 'success' END,
       created, CASE WHEN queued THEN created ELSE created + 60000 + i % 1000 END, true, 1, created + 50
FROM (SELECT i, i > $finished AS queued,
             CASE WHEN i > $finished THEN $now - $growth_recent_ms + (i - $finished - 1)::bigint * $growth_recent_ms / $queued
                  ELSE $now - $growth_oldest_ms + (i - 1)::bigint * ($growth_oldest_ms - $growth_recent_ms) / $finished END AS created
      FROM generate_series(1, $size) AS i) AS rows;
INSERT INTO idempotency_keys (equipment_id, key, task_id, created_at)
SELECT equipment_id, gen_random_uuid()::text, id, created_at FROM tasks;
-- With the commits flushed (synchronous_commit on: VACUUM marks no page
-- all-visible while an asynchronous commit is not yet on disk).
VACUUM ANALYZE tasks;
VACUUM ANALYZE idempotency_keys;
SQL
  psql_file "$sql" >/dev/null
}

# growth_bytes STORE WHERE: "tasks bytes_of_tasks bytes_of_tasks_and_keys"
growth_bytes() {
  local store="$1" where="$2"
  case "$store" in
    sqlite)
      local tasks table
      tasks=$(sqlite3 -batch "$where" "PRAGMA wal_checkpoint(TRUNCATE); SELECT count(*) FROM tasks;" | tail -n 1)
      # The tasks table and its indexes alone, from the file's pages
      # (Debian's sqlite3 has dbstat); the whole file with the keys.
      table=$(sqlite3 -batch "$where" "SELECT sum(pgsize) FROM dbstat
                                       WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'tasks')")
      echo "$tasks ${table:-0} $(stat -c %s "$where")" ;;
    postgres)
      psql_test "SET search_path TO $where;
                 SELECT count(*), pg_total_relation_size('tasks'),
                        pg_total_relation_size('tasks') + pg_total_relation_size('idempotency_keys')
                 FROM tasks" | tr '|' ' ' ;;
  esac
}

# growth_verdict STORE PLAN_TEXT: "verdict indexes" for one query's plan:
# seq scan if any table is read whole, else index scan if any row is read
# from a table (by index or row id), else index-only scan; for PostgreSQL
# also the most heap fetches of an index-only scan (rows whose page the
# visibility map does not show all-visible: recently written ones).
growth_verdict() {
  local indexes verdict
  if [[ "$1" == postgres ]]; then
    indexes=$(grep -oE '(Index Only Scan|Index Scan|Index Scan Backward|Bitmap Index Scan) (using|on) [a-z_]+' <<<"$2" |
              awk '{print $NF}' | sort -u | paste -sd, -)
    if grep -q 'Seq Scan on' <<<"$2"; then verdict="seq-scan"
    elif grep -qE '(Index Scan|Bitmap Heap Scan|Tid Scan)' <<<"$2"; then verdict="index-scan"
    else verdict="index-only-scan"; fi
    indexes+=" $(awk '/Heap Fetches:/ && $NF > max {max = $NF} /Heap Fetches:/ {seen = 1}
                      END {if (seen) printf "heap-fetches:%d", max}' <<<"$2")"
  else
    local reads
    reads=$(grep -E '(SCAN|SEARCH) (tasks|idempotency_keys)( |$)' <<<"$2" || true)
    indexes=$(sed -E 's/INTEGER PRIMARY KEY/INDEX rowid/; s/USING PRIMARY KEY/USING INDEX primary_key/' <<<"$reads" |
              grep -oE 'INDEX [a-z_0-9]+' | awk '{print $2}' | sort -u | paste -sd, -)
    if [[ -z "$reads" ]]; then verdict="no-table-read"
    elif grep -qv 'USING' <<<"$reads"; then verdict="seq-scan"
    elif grep -qv 'COVERING INDEX' <<<"$reads"; then verdict="index-scan"
    else verdict="index-only-scan"; fi
  fi
  echo "$verdict ${indexes:--}"
}

# growth_plans STORE WHERE SIZE: the three queries' plans to
# $out/plans-STORE-SIZE.txt, a verdict each in growth_plans.
growth_plans() {
  local store="$1" where="$2" size="$3" file="$out/plans-$1-$3.txt" now plan label sql
  now=$(date +%s%3N)
  local day=$((24 * 3600 * 1000))
  : >"$file"
  if [[ "$store" == postgres ]]; then
    local source=plugins/stores/postgres/src/pg_store.cpp
    # name: constant, arguments (the host's: queuedBefore(now - age, 5) with
    # now, so every queued task is counted; claim(500, now - 2 s, 30 s
    # lease); retention with a cut-off a day later than the host's 30 days,
    # so that its batch of 500 has rows to find)
    local queries=(
      "stuck-task:kQueuedBefore:$now, 5"
      "outbox-claim:kClaim:500, $((now - 2000)), 30000, 'bench'"
      "retention:kDeleteFinished:$((now - 29 * day)), 500"
    )
    for query in "${queries[@]}"; do
      IFS=: read -r label constant arguments <<<"$query"
      sql=$(cpp_sql "$source" "$constant")
      [[ -n "$sql" ]] || fail "growth: no SQL for $constant in $source"
      # In a transaction rolled back: EXPLAIN ANALYZE runs the claim and
      # the delete.
      cat >"$work/explain.sql" <<SQL
SET search_path TO $where;
SELECT '-- tasks: ' || relpages || ' pages, ' || relallvisible || ' all-visible (VACUUM ANALYZE after the fill)'
  FROM pg_class WHERE oid = 'tasks'::regclass;
BEGIN;
PREPARE q AS $sql;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE q($arguments);
SET LOCAL plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE q($arguments);
ROLLBACK;
SQL
      plan=$(psql_file "$work/explain.sql") || fail "growth: EXPLAIN of $constant failed"
      {
        echo "== $label ($constant in $source), EXECUTE ($arguments)"
        echo "-- SQL: $sql"
        echo "-- plans: custom (the first executions), then generic (plan_cache_mode = force_generic_plan)"
        echo "$plan"
        echo
      } >>"$file"
      growth_plans+=("postgres $size $label $(growth_verdict postgres "$plan")")
    done
  else
    local source=plugins/stores/sqlite/src/sqlite_store.cpp
    # The same arguments as PostgreSQL's; each statement also run once, timed,
    # in a transaction rolled back (SQLite has no EXPLAIN ANALYZE).
    local queries=(
      "stuck-task:kQueuedBefore:$now:5"
      "outbox-sweep:kUnpublished:$((now - 2000)):500"
      "retention:kDeleteFinished:$((now - 29 * day)):500"
      "retention-keys:kDeleteOldKeys:$((now - 29 * day)):500"
    )
    for query in "${queries[@]}"; do
      IFS=: read -r label constant first second <<<"$query"
      sql=$(cpp_sql "$source" "$constant")
      [[ -n "$sql" ]] || fail "growth: no SQL for $constant in $source"
      plan=$(sqlite3 -batch "$where" "EXPLAIN QUERY PLAN $sql") || fail "growth: EXPLAIN of $constant failed"
      {
        echo "== $label ($constant in $source), EXPLAIN QUERY PLAN, then run with ($first, $second)"
        echo "-- SQL: $sql"
        echo "$plan"
        local changed=""
        [[ "$sql" != DELETE* ]] || changed="SELECT changes() || ' row(s) deleted';"
        printf '%s\n' ".parameter set ?1 $first" ".parameter set ?2 $second" "BEGIN;" ".timer on" \
          "$sql;" ".timer off" "$changed" "ROLLBACK;" |
          sqlite3 -batch "$where" | head -n 20 || fail "growth: running $constant failed"
        echo
      } >>"$file"
      growth_plans+=("sqlite $size $label $(growth_verdict sqlite "$plan")")
    done
  fi
}

# growth_host STORE SIZE: defines (and host_db, host_schema) of the API-only
# host over the store of that size.
growth_host() {
  local name="growth-$1-$2"
  host_token="" host_schema="" host_db="$work/$name.db"
  host_defines "$1" rabbitmq dev "$prefix.$name" "$work/$name.ready"
}

# growth_fill STORE SIZE LARGEST: steps 1 to 4 for one store at one size.
growth_fill() {
  local store="$1" size="$2" largest="$3" key="$1 $2"
  local name="growth-$store-$size" ready="$work/growth-$store-$size.ready"
  local defines=() host_token host_schema host_db
  growth_host "$store" "$size"
  local where="$host_db"
  [[ "$store" == sqlite ]] || where="$host_schema"
  growth_where[$key]="$where"
  echo "-- growth: $store, $size tasks stored"

  start "$name-schema" "$ready" "$host_bin" --config="config/host-$store-rabbitmq.properties" \
    -Dhost.roles=api "${defines[@]}"
  stop_process "$started_pid"
  rm -f "$ready"
  local filled_at=$SECONDS
  "growth_fill_$store" "$where" "$size"
  local stored bytes_tasks bytes_all
  read -r stored bytes_tasks bytes_all <<<"$(growth_bytes "$store" "$where")"
  growth_bytes_of[$key]="$bytes_tasks $bytes_all"
  ((stored == size)) || fail "growth: $store holds $stored tasks, not $size"
  echo "   filled in $((SECONDS - filled_at)) s"
  [[ "$size" != "$largest" ]] || growth_plans "$store" "$where" "$size"

  local sample="SELECT '/api/v1/equipment/cpe/' || equipment_id || '/task/' || id
                FROM tasks ORDER BY random() LIMIT 10000"
  growth_paths[$key]="$work/$name.paths"
  if [[ "$store" == sqlite ]]; then
    sqlite3 -batch "$where" "$sample" >"${growth_paths[$key]}"
  else
    psql_test "SET search_path TO $where; $sample" >"${growth_paths[$key]}"
  fi
}

# growth_measure METHOD STORE SIZE: step 5, one run of METHOD (GET or POST).
growth_measure() {
  local method="$1" store="$2" size="$3" key="$2 $3"
  local name="growth-$store-$size" ready="$work/growth-$store-$size.ready"
  local defines=() host_token host_schema host_db
  growth_host "$store" "$size"
  rm -f "$ready"
  start "$name" "$ready" "$host_bin" --config="config/host-$store-rabbitmq.properties" \
    -Dhost.roles=api "${defines[@]}"
  local pid=$started_pid url
  url="https://127.0.0.1:$(port_of "$ready" https)"
  if [[ "$method" == GET ]]; then
    warm_up GET "$url" "${growth_paths[$key]}"
    growth_get_runs[$key]+="$(runs=1 measure GET "$url" "" "${growth_paths[$key]}")"$'\n'
  else
    warm_up POST "$url/api/v1/equipment/cpe/ABC123"
    growth_post_runs[$key]+="$(runs=1 measure POST "$url/api/v1/equipment/cpe/ABC123")"$'\n'
  fi
  stop_process "$pid"
}

# growth_store STORE LARGEST: every size filled, then measured in turn.
growth_store() {
  local store="$1" largest="$2" size round key after bytes_tasks bytes_all
  for size in ${growth_sizes//,/ }; do growth_fill "$store" "$size" "$largest"; done
  echo "-- growth: $store, $runs round(s) of GET, then of POST, over the sizes in turn"
  # Every GET before any POST, which adds tasks.
  local method
  for method in GET POST; do
    for round in $(seq 1 "$runs"); do
      for size in ${growth_sizes//,/ }; do growth_measure "$method" "$store" "$size"; done
    done
  done
  for size in ${growth_sizes//,/ }; do
    key="$store $size"
    read -r bytes_tasks bytes_all <<<"${growth_bytes_of[$key]}"
    read -r after _ <<<"$(growth_bytes "$store" "${growth_where[$key]}")"
    growth_record "$store" "$size" GET "$(median_run <<<"${growth_get_runs[$key]%$'\n'}")" \
      "$bytes_tasks" "$bytes_all" "$size"
    growth_record "$store" "$size" POST "$(median_run <<<"${growth_post_runs[$key]%$'\n'}")" \
      "$bytes_tasks" "$bytes_all" "$after"
    [[ "$store" == postgres ]] || rm -f "${growth_where[$key]}"{,-wal,-shm}
  done
  drop_backends
}

# growth_record STORE SIZE METHOD FIGURES BYTES_TASKS BYTES_ALL AFTER
growth_record() {
  local store="$1" size="$2" method="$3" figures="$4" bytes_tasks="$5" bytes_all="$6" after="$7"
  local rate p50 p99 requests failed first="" row
  read -r rate p50 p99 requests failed <<<"$figures"
  if too_many_failed "$figures"; then
    echo "bench: growth $store $size $method: $failed of $requests requests failed" >&2
    growth_notes+=("$store $size $method: $failed of $requests requests failed")
    status=1
  fi
  for row in "${growth_rows[@]}"; do
    local -a fields
    read -r -a fields <<<"$row"
    if [[ "${fields[0]}" == "$store" && "${fields[2]}" == "$method" ]]; then first="${fields[3]}"; break; fi
  done
  local per_task per_task_all
  per_task=$(awk -v b="$bytes_tasks" -v n="$size" 'BEGIN {printf "%.0f", b / n}')
  per_task_all=$(awk -v b="$bytes_all" -v n="$size" 'BEGIN {printf "%.0f", b / n}')
  growth_rows+=("$store $size $method $rate $p50 $p99 $(ratio "$rate" "${first:-$rate}") $per_task $per_task_all $after")
}

section_growth() {
  local largest=0 size store
  for size in ${growth_sizes//,/ }; do ((size > largest)) && largest=$size; done
  for store in ${growth_stores//,/ }; do growth_store "$store" "$largest"; done
}

print_growth_table() {
  echo "Growth: POST and GET with tasks already stored (API-only host, RabbitMQ, dev profile)"
  echo "(wrk: $connections connections, $threads threads, HTTPS keep-alive;" \
       "${seconds} s x $runs run(s), sizes in turn, median run shown; GET of 10,000 stored tasks at random)"
  printf '%-9s %8s %-6s %9s %8s %8s %7s %8s %9s %9s\n' \
    store tasks method rate/s "p50 ms" "p99 ms" ratio "B/task" "B/t+key" "after"
  for row in "${growth_rows[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-9s %8s %-6s %9s %8s %8s %7s %8s %9s %9s\n' $row
  done
  echo "ratio: rate / the same store's and method's rate at the smallest size (target: 0.8 to 1.2)"
  echo "B/task: bytes of the tasks table with its indexes per task; B/t+key: with the idempotency"
  echo "keys (one per task), SQLite: the whole file; after: tasks stored once the method was measured"
  echo
  echo "Query plans at the largest size (files: $out/plans-*.txt)"
  printf '%-9s %8s %-15s %-16s %-40s %s\n' store tasks query verdict indexes ""
  for row in "${growth_plans[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-9s %8s %-15s %-16s %-40s %s\n' $row
  done
  echo "verdict: the worst table access of the plan (PostgreSQL: custom and generic plan);"
  echo "heap-fetches: the most rows an index-only scan still read from the table"
  for note in "${growth_notes[@]}"; do echo "NOTE: $note"; done
}

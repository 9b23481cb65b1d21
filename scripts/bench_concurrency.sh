#!/usr/bin/env bash
# Many desktops at once (issue 14): several release `citizen-db` processes, each
# its own login, against one server (a throwaway embedded cluster in
# .bench/pg-concurrency, removed at the end). Measures submits per second with
# 1, 2 and 4 clerks submitting different 100k-row files to one dataset and
# period at once, the lock waits seen in pg_stat_activity meanwhile, and the
# latency of an approval alone and while readers query `_current` and the mart.
# Prints figures only. BENCH_CONC_ROWS, BENCH_CONC_CLERKS and BENCH_CONC_ROUNDS
# change the sizes; CITIZEN_DB names a binary to use instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/.bench
BIN=${CITIZEN_DB:-$ROOT/target/release/citizen-db}
ROWS=${BENCH_CONC_ROWS:-100000}
CLERKS=${BENCH_CONC_CLERKS:-"1 2 4"}
ROUNDS=${BENCH_CONC_ROUNDS:-2}
PERIOD=2026-11
mkdir -p "$BENCH"
[[ -n ${CITIZEN_DB:-} ]] || cargo build --release -p citizen-cli --quiet

export CITIZEN_DB_DATA_DIR=$BENCH/pg-concurrency
unset DATABASE_URL CITIZEN_DB_USER CITIZEN_DB_PASSWORD
WORK=$(mktemp -d)
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  "$BIN" db stop >/dev/null 2>&1 || true
  rm -rf "$CITIZEN_DB_DATA_DIR" "$WORK"
}
trap cleanup EXIT
"$BIN" db stop >/dev/null 2>&1 || true
rm -rf "$CITIZEN_DB_DATA_DIR"
"$BIN" db start --demo >/dev/null
"$BIN" --admin contracts apply >/dev/null
PGHOST=$CITIZEN_DB_DATA_DIR/run
export PGHOST PGPORT=5432 PGUSER=postgres PGDATABASE=citizen PGPASSWORD
PGPASSWORD=$(cat "$CITIZEN_DB_DATA_DIR/superuser-password")
url() { echo "postgres://$1:$1@localhost:5432/citizen?host=$PGHOST"; }
as() { local login=$1; shift; DATABASE_URL=$(url "$login") "$BIN" "$@"; }

MAX=2  # bench_clerk2 submits during an approval below
for n in $CLERKS; do ((n > MAX)) && MAX=$n; done
for i in $(seq 1 "$MAX"); do
  psql -qX -c "CREATE ROLE bench_clerk$i LOGIN PASSWORD 'bench_clerk$i' IN ROLE citizen_clerk" >/dev/null
done
psql -qX -c "CREATE ROLE bench_reader LOGIN PASSWORD 'bench_reader' IN ROLE citizen_reader" >/dev/null

# One file per submit, cached: ROWS + k rows, so every file's bytes differ (a
# file without errors does not depend on the seed, and the same bytes cannot
# be pending twice for one period).
file_for() {
  local file=$BENCH/concurrency_${ROWS}_plus$1.csv
  if [[ ! -s $file ]]; then
    "$BIN" sample --dataset welfare_patients --rows "$((ROWS + $1))" --errors 0 --out "$file" >/dev/null
  fi
  echo "$file"
}
K=0  # the last file used; incremented in this shell, not in a $(...) subshell

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Samples pg_stat_activity every 0.1 s: sessions of our logins waiting for a lock.
sample_waits() {
  while :; do
    psql -AtqX -c "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
                          coalesce(string_agg(DISTINCT wait_event, '+') FILTER (WHERE wait_event_type = 'Lock'), '-')
                   FROM pg_stat_activity WHERE datname = 'citizen' AND usename LIKE 'bench_%'" 2>/dev/null || true
    sleep 0.1
  done
}

echo "Many desktops at once: $ROWS-row welfare_patients CSV files, one dataset and period, $(nproc) cores"
printf '%-8s %10s %12s %14s %16s %s\n' clerks round wall submits/s "stage s (each)" "lock waits (samples waiting/all, kinds)"
for n in $CLERKS; do
  for round in $(seq 1 "$ROUNDS"); do
    files=()
    for i in $(seq 1 "$n"); do K=$((K + 1)); files+=("$(file_for "$K")"); done
    sample_waits > "$WORK/waits" &
    sampler=$!
    start=$(now)
    pids=()
    for i in $(seq 1 "$n"); do
      as "bench_clerk$i" submit "${files[$((i - 1))]}" --dataset welfare_patients --period "$PERIOD" \
        > "$WORK/submit$i.out" 2>&1 &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || { echo "a submit failed:" >&2; cat "$WORK"/submit*.out >&2; exit 1; }; done
    end=$(now)
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    wall=$(elapsed "$start" "$end")
    rate=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.2f", n / w }')
    ids=$(sed -n 's/^request \([0-9]*\) pending.*/\1/p' "$WORK"/submit*.out | paste -sd, -)
    stage=$(psql -AtqX -c "SELECT string_agg(round(extract(epoch FROM finished_at - started_at)::numeric, 2)::text, ' ' ORDER BY request_id)
                           FROM meta.step_log WHERE request_id IN ($ids) AND step = 'stage'")
    waits=$(awk -F'|' '{ all++; if ($1 > 0) { w++; n = split($2, seen, "+"); for (i = 1; i <= n; i++) kinds[seen[i]] = 1 } }
                      END { s = ""; for (kind in kinds) s = s (s ? "+" : "") kind; printf "%d/%d %s", w, all, (s ? s : "-") }' "$WORK/waits")
    printf '%-8s %10s %11ss %14s %16s %s\n' "$n" "$round" "$wall" "$rate" "$stage" "$waits"
  done
done

# Approval latency: alone, then while two readers query _current and the mart in a loop.
reader_loop() {
  local count=0 slowest=0 t0 t1
  while [[ ! -e $WORK/stop ]]; do
    t0=$(now)
    DATABASE_URL= psql -AtqX "$(url bench_reader)" \
      -c "SELECT count(*) FROM core.welfare_patients_current WHERE period = '$PERIOD'" \
      -c "SELECT count(*) FROM mart.citizen_contacts" >/dev/null
    t1=$(now)
    count=$((count + 1))
    slowest=$(awk -v s="$slowest" -v d="$(elapsed "$t0" "$t1")" 'BEGIN { print (d > s ? d : s) }')
  done
  echo "$count $slowest" > "$WORK/reader$1"
}
approve_timed() { # FILE
  local request start
  request=$(as bench_clerk1 submit "$1" --dataset welfare_patients --period "$PERIOD" | sed -n 's/^request \([0-9]*\) pending.*/\1/p')
  start=$(now)
  as supervisor approve "$request" >/dev/null
  elapsed "$start" "$(now)"
}
echo
# Earlier rounds left pending requests; they do not take part.
K=$((K + 1)); alone=$(approve_timed "$(file_for "$K")")
K=$((K + 1)); busy_file=$(file_for "$K")
rm -f "$WORK/stop"
readers_start=$(now)
reader_loop 1 &
reader_loop 2 &
sleep 1
busy=$(approve_timed "$busy_file")
touch "$WORK/stop"
wait
read -r q1 s1 < "$WORK/reader1"
read -r q2 s2 < "$WORK/reader2"
echo "approve of $ROWS rows (rebuild), wall of citizen-db approve: alone ${alone}s, with 2 readers querying ${busy}s"

# An approval while another clerk's submit to the same dataset is staging its rows.
K=$((K + 1)); pending=$(as bench_clerk1 submit "$(file_for "$K")" --dataset welfare_patients --period "$PERIOD" | sed -n 's/^request \([0-9]*\) pending.*/\1/p')
K=$((K + 1)); staging_file=$(file_for "$K")
as bench_clerk2 submit "$staging_file" --dataset welfare_patients --period 2026-12 > "$WORK/staging.out" 2>&1 &
staging=$!
until [[ $(psql -AtqX -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'bench_clerk2' AND state = 'active' AND query LIKE 'COPY%stage%'") != 0 ]]; do
  kill -0 "$staging" 2>/dev/null || { echo "the submit ended before its COPY was seen" >&2; break; }
done
start=$(now)
as supervisor approve "$pending" >/dev/null
during=$(elapsed "$start" "$(now)")
start_wait=$(now)
wait "$staging" || { cat "$WORK/staging.out" >&2; exit 1; }
echo "approve of $ROWS rows while another clerk's submit of $ROWS rows is staging (COPY) into the same dataset: ${during}s (the submit ended $(elapsed "$start_wait" "$(now)")s after the approval)"
echo "readers meanwhile: $((q1 + q2)) queries of _current + mart in $(elapsed "$readers_start" "$(now)")s, slowest ${s1}s / ${s2}s (psql start included)"

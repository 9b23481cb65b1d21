#!/usr/bin/env bash
# Database part of `make bench` (issue 3): times submit (land+validate+stage),
# approve (transform+publish) for rebuild and for merge, against the floor
# (`psql \copy` of the same CSV into a plain typed table) and the old approach
# (pandas read_sql of stage, then to_sql append into core). Prints figures only;
# a missed target prints MISSED and does not fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/.bench
BIN=$ROOT/target/release/citizen-db
ROWS=${BENCH_DB_ROWS:-1000000}
mkdir -p "$BENCH"
cargo build --release -p citizen-cli --quiet

export CITIZEN_DB_DATA_DIR=$BENCH/pg
unset DATABASE_URL
CONTRACTS=$BENCH/db-contracts
rm -rf "$CONTRACTS" && mkdir -p "$CONTRACTS"
cp contracts/welfare_patients.yaml "$CONTRACTS/"
sed -e 's/^dataset: welfare_patients/dataset: welfare_merge/' -e 's/^strategy: rebuild/strategy: merge/' \
    -e "s/file_name: .*/file_name: 'never-matches-by-name'/" contracts/welfare_patients.yaml > "$CONTRACTS/welfare_merge.yaml"

FILE=$BENCH/welfare_${ROWS}_valid_${BENCH_PHONE_MIX:-municipal}.csv
CHANGED=$BENCH/welfare_${ROWS}_valid_${BENCH_PHONE_MIX:-municipal}_10pct_changed.csv
if [ ! -s "$FILE" ]; then
  CITIZEN_SAMPLE_PHONE_MIX=${BENCH_PHONE_MIX:-municipal} "$BIN" --contracts contracts sample --dataset welfare_patients --rows "$ROWS" --errors 0 --seed 7 --format csv --out "$FILE" >/dev/null
fi
if [ ! -s "$CHANGED" ]; then
  # Every 10th data row gets another welfare_status (column 6): 10% of rows changed.
  python3 - "$FILE" "$CHANGED" <<'PY'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
other = {"פעיל": "סגור", "סגור": "ממתין", "ממתין": "פעיל"}
with open(src, encoding="utf-8-sig", newline="") as f, open(dst, "w", encoding="utf-8-sig", newline="") as g:
    r, w = csv.reader(f), csv.writer(g)
    w.writerow(next(r))
    for i, row in enumerate(r):
        if i % 10 == 0:
            row[5] = other.get(row[5], row[5])
        w.writerow(row)
PY
fi

db() { "$BIN" --contracts "$CONTRACTS" "$@"; }
"$BIN" db stop >/dev/null 2>&1 || true
rm -rf "$CITIZEN_DB_DATA_DIR"
db db start --demo >/dev/null
db --admin contracts apply >/dev/null
PGHOST=$CITIZEN_DB_DATA_DIR/run
export PGHOST PGPORT=5432 PGUSER=postgres PGDATABASE=citizen PGPASSWORD
PGPASSWORD=$(cat "$CITIZEN_DB_DATA_DIR/superuser-password")

now() { date +%s.%N; }
secs() { python3 -c "print(f'{float($2) - float($1):.2f}')"; }
step_secs() {
  psql -Atq -c "SELECT round(extract(epoch FROM finished_at - started_at)::numeric, 2) FROM meta.step_log WHERE request_id = $1 AND step = '$2' AND status = 'ok'"
}
request_of() { sed -n 's/^request \([0-9]*\) pending.*/\1/p'; }

echo
echo "== database pipeline, $ROWS rows of welfare_patients (release build) =="

# Floor: psql \copy into a plain typed, logged table of the same shape.
psql -q -c "DROP TABLE IF EXISTS public.copy_floor" -c "CREATE TABLE public.copy_floor (citizen_id text, first_name text, last_name text, birth_date date, gender text, welfare_status text, street_code text, building_number text, apartment_number text, phone_1 text, phone_2 text, phone_3 text, email text)"
t0=$(now)
PGOPTIONS='-c datestyle=ISO,DMY' psql -q -c "\\copy public.copy_floor FROM '$FILE' WITH (FORMAT csv, HEADER true)"
t1=$(now)
floor=$(secs "$t0" "$t1")

# Submit (clerk): land + validate + stage.
t0=$(now)
out=$(db --user clerk --password clerk submit "$FILE" --dataset welfare_patients --period 2026-10)
t1=$(now)
submit=$(secs "$t0" "$t1")
req=$(echo "$out" | request_of)
stage=$(step_secs "$req" stage)
land=$(step_secs "$req" land)

# Approve (supervisor): transform + publish, rebuild.
t0=$(now)
db --user supervisor --password supervisor approve "$req" >/dev/null
t1=$(now)
approve_rebuild=$(secs "$t0" "$t1")

# Merge: a 1M-row core first, then a file with 10% of rows changed.
req=$(db --user clerk --password clerk submit "$FILE" --dataset welfare_merge --period 2026-10 | request_of)
t0=$(now); db --user supervisor --password supervisor approve "$req" >/dev/null; t1=$(now)
approve_merge_initial=$(secs "$t0" "$t1")
req=$(db --user clerk --password clerk submit "$CHANGED" --dataset welfare_merge --period 2026-10 | request_of)
t0=$(now); db --user supervisor --password supervisor approve "$req" >/dev/null; t1=$(now)
approve_merge=$(secs "$t0" "$t1")
changed=$(psql -Atq -c "SELECT count(*) FROM core.welfare_merge_history WHERE op = 'U'")

# Old approach: pandas read_sql of the stage rows, then to_sql append into core.
req=$(db --user clerk --password clerk submit "$CHANGED" --dataset welfare_patients --period 2026-11 | request_of)
VENV=$BENCH/venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q pandas sqlalchemy psycopg2-binary >/dev/null 2>&1 || "$VENV/bin/pip" install -q pandas sqlalchemy psycopg2-binary
pandas=$("$VENV/bin/python" - "$req" <<'PY'
import sys, time, os
import pandas as pd
from sqlalchemy import create_engine, text
req = int(sys.argv[1])
url = "postgresql+psycopg2://postgres:%s@/citizen?host=%s&port=5432" % (os.environ["PGPASSWORD"], os.environ["PGHOST"])
engine = create_engine(url)
with engine.begin() as c:
    c.execute(text("DROP TABLE IF EXISTS public.pandas_core"))
    c.execute(text("CREATE TABLE public.pandas_core (LIKE core.welfare_patients)"))
start = time.perf_counter()
with engine.connect() as c:
    frame = pd.read_sql(text("SELECT * FROM stage.welfare_patients WHERE request_id = :r"), c, params={"r": req})
frame = frame.drop(columns=["request_id"])
frame.insert(0, "version_id", 999)
with engine.begin() as c:
    frame.to_sql("pandas_core", c, schema="public", if_exists="append", index=False, chunksize=10000)
print(f"{time.perf_counter() - start:.2f}")
PY
)

ratio() { python3 -c "a, b = float('$1'), float('$2'); print(f'{a / b:.1f}' if b > 0 else 'n/a')"; }
check() { python3 -c "print('ok' if $1 else 'MISSED')"; }
rows_per_s() { python3 -c "print(f'{$ROWS / float($1):,.0f}' if float($1) > 0 else 'n/a')"; }
# verdict SECONDS LIMIT_S RATIO_LIMIT: "<= LIMIT s ok|MISSED; RATIO x \copy <= RATIO_LIMIT ok|MISSED".
verdict() {
  python3 -c "
t, limit, floor, rl = float('$1'), float('$2'), float('$floor'), '$3'
out = f'<= {limit:g} s ' + ('ok' if t <= limit else 'MISSED')
if rl:
    r = t / floor if floor > 0 else float('inf')
    out += f'; {r:.2f}x \\\\copy (<= {float(rl):g}x) ' + ('ok' if r <= float(rl) else 'MISSED')
print(out)"
}
printf '%-44s %8s %12s  %s\n' "step" "seconds" "rows/s" "target (issue 13)"
printf '%-44s %8s %12s  %s\n' "psql \\copy into a typed logged table (floor)" "$floor" "$(rows_per_s "$floor")" ""
printf '%-44s %8s %12s  %s\n' "submit total (land+validate+stage)" "$submit" "$(rows_per_s "$submit")" "$(verdict "$submit" 3.0 1.3)"
printf '%-44s %8s %12s  %s\n' "  land step (raw bytes, binary COPY)" "$land" "" ""
printf '%-44s %8s %12s  %s\n' "  stage step (COPY into stage)" "$stage" "$(rows_per_s "$stage")" ""
printf '%-44s %8s %12s  %s\n' "approve, rebuild (transform+publish)" "$approve_rebuild" "$(rows_per_s "$approve_rebuild")" \
  "$(verdict "$approve_rebuild" 1.5 0.65); vs pandas $(ratio "$pandas" "$approve_rebuild")x"
printf '%-44s %8s %12s  %s\n' "approve, merge into empty core" "$approve_merge_initial" "$(rows_per_s "$approve_merge_initial")" \
  "$(verdict "$approve_merge_initial" 4.0 "")"
printf '%-44s %8s %12s  %s\n' "approve, merge 1M core, 10% changed ($changed)" "$approve_merge" "$(rows_per_s "$approve_merge")" \
  "$(verdict "$approve_merge" 2.5 1.1)"
printf '%-44s %8s %12s  %s\n' "old: pandas read_sql(stage) + to_sql(core)" "$pandas" "$(rows_per_s "$pandas")" ""
"$BIN" db stop >/dev/null 2>&1 || true

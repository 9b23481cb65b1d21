#!/usr/bin/env bash
# `make bench`: how fast citizen-db reads and validates, against the old
# approach (pandas + pandera) on the same files.
#
# Generates once, cached in .bench/ (git-ignored) with the manifest of what a
# validation must report: a 1,000,000-row welfare_patients CSV (about 1.5% of
# rows carry one deliberate error each) and a 100,000-row xlsx. For each file
# it times, with /usr/bin/time (wall clock and peak RSS), `citizen-db read`
# (read only) and `citizen-db validate --json` (read + validate, checked
# against the manifest), then the old approach from scripts/bench/: pandas +
# pandera's fastest honest schema, pandas.read_excel(engine="calamine") for the
# xlsx, and with BENCH_SLOW=1 the straightforward coerce=True schema (minutes).
# Prints a table and the targets; a missed target prints MISSED and never
# fails the run.
#
# Knobs: BENCH_CSV_ROWS (1000000), BENCH_XLSX_ROWS (100000), BENCH_REPEAT
# (3: best wall of n runs, highest RSS), BENCH_PY_REPEAT (1), BENCH_SLOW=1,
# BENCH_SKIP_PYTHON=1, BENCH_REGEN=1 (regenerate the files), BENCH_SEED, BENCH_PHONE_MIX,
# BENCH_SKIP_HOSTILE=1 (skip scripts/bench_hostile.sh, run at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/.bench
BIN=$ROOT/target/release/citizen-db
DATASET=welfare_patients
CONTRACTS=$ROOT/contracts
CSV_ROWS=${BENCH_CSV_ROWS:-1000000}
XLSX_ROWS=${BENCH_XLSX_ROWS:-100000}
REPEAT=${BENCH_REPEAT:-3}
PY_REPEAT=${BENCH_PY_REPEAT:-1}
SEED=${BENCH_SEED:-2026}
# Phone cells in the shares of forms real municipal files carry (issue 13);
# BENCH_PHONE_MIX=sample for the generator's own mix.
PHONE_MIX=${BENCH_PHONE_MIX:-municipal}
ERROR_PER_MILLE=15 # 1.5% of rows
VENV=$BENCH/venv
PY=$VENV/bin/python
PANDERA=$ROOT/scripts/bench/pandera_bench.py
mkdir -p "$BENCH"

say() { printf 'bench: %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
  say "installing the 'time' package (for /usr/bin/time)"
  if ((EUID == 0)); then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    say "/usr/bin/time is missing; as root run: apt-get install time"
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get install -y --no-install-recommends time >/dev/null 2>&1 ||
    { "${SUDO[@]}" apt-get update >/dev/null && "${SUDO[@]}" apt-get install -y --no-install-recommends time >/dev/null; }
fi

say "building citizen-db (release)"
cargo build --release -p citizen-cli
cargo build --release -p citizen-core --example first_rows --example desktop_open

if [[ "${BENCH_SKIP_PYTHON:-0}" != 1 && ! -f $VENV/.installed ]]; then
  say "setting up the Python venv for the old approach in $VENV (once)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check pandas pandera python-calamine pyarrow
  touch "$VENV/.installed"
fi

CLI=("$BIN" --contracts "$CONTRACTS")

# --- the files, generated once ---------------------------------------------
# Errors per code so that about 1.5% of rows are corrupted: ask the generator
# how many codes apply to the contract.
codes=$("${CLI[@]}" sample --dataset "$DATASET" --rows 1000 --errors 1 --seed "$SEED" --format csv --out "$BENCH/probe.csv" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)["expected"]))')
rm -f "$BENCH/probe.csv"
generator_sha=$(cat crates/citizen-core/src/sample/*.rs "$CONTRACTS/$DATASET.yaml" | sha256sum | cut -c1-16)

# generate FORMAT ROWS FILE: writes FILE and FILE.manifest.json unless cached.
generate() {
  local format=$1 rows=$2 file=$3
  local per_code=$(((rows * ERROR_PER_MILLE / 1000 + codes / 2) / codes))
  local key="$DATASET $format rows=$rows errors=$per_code seed=$SEED phones=$PHONE_MIX generator=$generator_sha"
  if [[ "${BENCH_REGEN:-0}" == 1 || ! -s $file || ! -s $file.manifest.json || "$(cat "$file.key" 2>/dev/null)" != "$key" ]]; then
    say "generating $file ($rows rows, $per_code errors per code x $codes codes)"
    rm -f "$file" "$file.key"
    CITIZEN_SAMPLE_PHONE_MIX=$PHONE_MIX "${CLI[@]}" sample --dataset "$DATASET" --rows "$rows" --errors "$per_code" \
      --seed "$SEED" --format "$format" --out "$file" >"$file.manifest.json"
    printf '%s' "$key" >"$file.key"
  fi
}

CSV=$BENCH/${DATASET}_${CSV_ROWS}_${PHONE_MIX}.csv
XLSX=$BENCH/${DATASET}_${XLSX_ROWS}_${PHONE_MIX}.xlsx
generate csv "$CSV_ROWS" "$CSV"
generate xlsx "$XLSX_ROWS" "$XLSX"

# --- timing ------------------------------------------------------------------
# measure OK_STATUSES OUT CMD...: runs CMD REPEAT times; sets WALL (best, s)
# and PEAK (highest RSS, MB); returns 1 when CMD fails.
measure() {
  local ok=$1 out=$2 status wall rss best="" peak=0 i
  shift 2
  for ((i = 0; i < REPEAT; i++)); do
    set +e
    /usr/bin/time -f '%e %M' -o "$BENCH/time.txt" "$@" >"$out" 2>"$BENCH/stderr.txt"
    status=$?
    set -e
    if [[ " $ok " != *" $status "* ]]; then
      say "FAILED (exit $status): $*"
      sed 's/^/    /' "$BENCH/stderr.txt" | head -n 5 >&2
      WALL="" PEAK=""
      return 1
    fi
    read -r wall rss < <(tail -n 1 "$BENCH/time.txt")
    if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
    ((rss > peak)) && peak=$rss
  done
  WALL=$best
  PEAK=$((peak / 1024))
}

# Results, by name.
declare -A R

# ours NAME FILE: read-only and read+validate of FILE by citizen-db.
ours() {
  local name=$1 file=$2
  if measure 0 "$BENCH/read.out" "${CLI[@]}" read "$file" --dataset "$DATASET"; then
    R[$name.read.wall]=$WALL R[$name.read.peak]=$PEAK
  fi
  if measure "0 1" "$BENCH/report.json" "${CLI[@]}" validate "$file" --dataset "$DATASET" --json; then
    R[$name.validate.wall]=$WALL R[$name.validate.peak]=$PEAK
    R[$name.agrees]=$(python3 - "$BENCH/report.json" "$file.manifest.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
report = report[0] if isinstance(report, list) else report
manifest = json.load(open(sys.argv[2]))
same = all(report[k] == manifest[k] for k in ("rows", "invalid_rows", "warnings", "status"))
same = same and report["summary"] == manifest["expected"]
print("yes" if same else "NO: report %s vs manifest %s" % (report["summary"], manifest["expected"]))
PY
)
  fi
}

# theirs NAME FILE MODE: the old approach; in-script seconds exclude Python's
# start and imports (the more favourable figure for pandas).
theirs() {
  local name=$1 file=$2 mode=$3 saved=$REPEAT
  REPEAT=$PY_REPEAT
  if measure 0 "$BENCH/py.json" "$PY" "$PANDERA" "$file" "$mode"; then
    R[$name.wall]=$WALL R[$name.peak]=$PEAK
    R[$name.script]=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' "$BENCH/py.json")
  fi
  REPEAT=$saved
}

say "timing citizen-db on $CSV"
ours csv "$CSV"
say "timing citizen-db on $XLSX"
ours xlsx "$XLSX"
if [[ "${BENCH_SKIP_PYTHON:-0}" != 1 ]]; then
  say "timing pandas + pandera (fastest honest schema) on the CSV"
  theirs csv.pyread "$CSV" read-csv
  theirs csv.pandera "$CSV" fastest
  say "timing pandas.read_excel(calamine) + pandera on the xlsx"
  theirs xlsx.pyread "$XLSX" read-xlsx
  theirs xlsx.pandera "$XLSX" xlsx
  if [[ "${BENCH_SLOW:-0}" == 1 ]]; then
    say "timing the straightforward pandera schema (coerce=True dates) on the CSV: minutes"
    theirs csv.coerce "$CSV" coerce
  fi
fi

# --- report ------------------------------------------------------------------
num() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.2f", v }'; }
rate() {
  awk -v r="$1" -v s="$2" 'BEGIN {
    if (s == "" || s == 0) print "n/a"; else if (r / s >= 1e5) printf "%.2fM", r / s / 1e6; else printf "%.1fk", r / s / 1e3
  }'
}
mb() { [[ -n $1 ]] && echo "$1" || echo "n/a"; }
row() { printf '%-24s %-46s %12s %10s %8s %8s\n' "$@"; }
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }

echo
echo "Citizen DB benchmark: $DATASET, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
row "file" "what" "wall s" "in-script" "rows/s" "peak MB"
csv_label="${CSV_ROWS} rows CSV ($(size_mb "$CSV"))"
xlsx_label="${XLSX_ROWS} rows xlsx ($(size_mb "$XLSX"))"
for kind in csv xlsx; do
  if [[ $kind == csv ]]; then label=$csv_label rows=$CSV_ROWS; else label=$xlsx_label rows=$XLSX_ROWS; fi
  row "$label" "citizen-db read (read only)" "$(num "${R[$kind.read.wall]:-}")" "-" \
    "$(rate "$rows" "${R[$kind.read.wall]:-}")" "$(mb "${R[$kind.read.peak]:-}")"
  row "" "citizen-db validate --json (read+validate)" "$(num "${R[$kind.validate.wall]:-}")" "-" \
    "$(rate "$rows" "${R[$kind.validate.wall]:-}")" "$(mb "${R[$kind.validate.peak]:-}")"
  if [[ $kind == csv ]]; then
    pairs="csv.pyread:pandas.read_csv(pyarrow,~dtype=str) csv.pandera:pandas~+~pandera,~fastest~honest~schema csv.coerce:pandera~straightforward~(coerce=True)"
  else
    pairs="xlsx.pyread:pandas.read_excel(calamine,~dtype=str) xlsx.pandera:read_excel(calamine)~+~pandera~fastest"
  fi
  for pair in $pairs; do
    key=${pair%%:*} what=${pair#*:}
    what=${what//\~/ }
    if [[ -z ${R[$key.wall]:-} ]]; then
      local_note="skipped"
      if [[ $key == csv.coerce && "${BENCH_SLOW:-0}" != 1 ]]; then local_note="BENCH_SLOW=1"; fi
      row "" "$what" "$local_note" "" "" ""
      continue
    fi
    row "" "$what" "$(num "${R[$key.wall]}")" "$(num "${R[$key.script]}")" \
      "$(rate "$rows" "${R[$key.script]}")" "${R[$key.peak]}"
  done
done
echo
echo "Reports equal to the generator's manifests: CSV ${R[csv.agrees]:-n/a}; xlsx ${R[xlsx.agrees]:-n/a}"
echo "The app's view of the xlsx (validation with the grid's row store, as the Load screen runs it):"
echo "  $("$ROOT/target/release/examples/first_rows" "$CONTRACTS" "$DATASET" "$XLSX" 2>&1)"
echo "The app's core path on the $CSV_ROWS-row CSV (OpenedFiles::open, as the Load screen opens a file):"
desktop=$("$ROOT/target/release/examples/desktop_open" "$CONTRACTS" "$CSV" 2>&1) || say "desktop_open FAILED"
echo "$desktop" | sed 's/^/  /'
field() { echo "$desktop" | sed -n "$1" | head -n 1; }
R[desktop.first]=$(field 's/.*first rows \([0-9.]*\) s;.*/\1/p')
R[desktop.ready]=$(field 's/.*grid ready \([0-9.]*\) s.*/\1/p')
R[desktop.peak]=$(field 's/.*peak \([0-9]*\) MB.*/\1/p')
R[desktop.page]=$(echo "$desktop" | sed -n 's/.*max \([0-9.]*\) ms.*/\1/p' | sort -g | tail -n 1)
echo "Ratios use pandas' in-script time (no interpreter start or imports) against our whole process."
echo

# target LABEL VALUE OP LIMIT UNIT: prints the value and OK or MISSED.
target() {
  local label=$1 value=$2 op=$3 limit=$4 unit=$5 verdict
  if [[ -z $value ]]; then
    verdict="n/a"
    value="n/a"
  elif awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN { exit !((op == "<=" && v <= l) || (op == ">=" && v >= l) || (op == "<" && v < l)) }'; then
    verdict="OK"
  else
    verdict="MISSED"
  fi
  printf '  %-66s %8s %-3s %s\n' "$label ($op $limit $unit)" "$value" "$unit" "$verdict"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.1f", a / b }'; }

echo "Targets (set for 1000000 CSV rows and 100000 xlsx rows)"
target "$CSV_ROWS-row CSV read+validate" "${R[csv.validate.wall]:-}" "<=" 0.8 s
target "$CSV_ROWS-row CSV: times faster than pandas+pandera fastest" "$(ratio "${R[csv.pandera.script]:-}" "${R[csv.validate.wall]:-}")" ">=" 6 x
target "$CSV_ROWS-row CSV: peak memory of read+validate" "${R[csv.validate.peak]:-}" "<" 200 MB
target "desktop: first rows of the $CSV_ROWS-row CSV" "${R[desktop.first]:-}" "<=" 0.3 s
target "desktop: every issue and the grid ready" "${R[desktop.ready]:-}" "<=" 1.2 s
target "desktop: peak memory of the process" "${R[desktop.peak]:-}" "<" 400 MB
target "desktop: slowest page of 100 grid rows" "${R[desktop.page]:-}" "<" 50 ms
target "$XLSX_ROWS-row xlsx read+validate" "${R[xlsx.validate.wall]:-}" "<=" 0.8 s
target "$XLSX_ROWS-row xlsx: times faster than read_excel(calamine)+pandera" "$(ratio "${R[xlsx.pandera.script]:-}" "${R[xlsx.validate.wall]:-}")" ">=" 3 x
if [[ -n ${R[csv.coerce.script]:-} ]]; then
  printf '  %-66s %8s x\n' "$CSV_ROWS-row CSV: times faster than the straightforward schema" "$(ratio "${R[csv.coerce.script]}" "${R[csv.validate.wall]:-}")"
fi

# The database pipeline (submit, approve, merge) against psql \copy and pandas.
if [[ ${BENCH_SKIP_DB:-0} != 1 ]]; then
  bash scripts/bench_db.sh
fi

# --- many desktops at once (issue 14): several clerks and supervisors on one server
if [[ "${BENCH_SKIP_CONCURRENCY:-0}" != 1 ]]; then
  say "many desktops at once (scripts/bench_concurrency.sh)"
  bash scripts/bench_concurrency.sh
fi

# --- hostile files (issue 11): time and peak memory of each refusal ----------
if [[ "${BENCH_SKIP_HOSTILE:-0}" != 1 ]]; then
  say "hostile files (scripts/bench_hostile.sh)"
  "$ROOT/scripts/bench_hostile.sh"
fi

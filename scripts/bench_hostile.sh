#!/usr/bin/env bash
# Hostile files against the release build: for each case of
# crates/citizen-core/examples/hostile/cases.rs (generated into
# .bench/hostile/), times `citizen-db validate --json` with /usr/bin/time and
# prints wall time, peak memory (max RSS), exit code and the report's code,
# against the bounds of issue 11: a file of at most 10 MB ends within 30 s, a
# file of at most 100 MB within 1 GB. A missed bound prints MISSED and never
# fails the run. Called by scripts/bench.sh; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=$ROOT/.bench/hostile
BIN=$ROOT/target/release/citizen-db
say() { printf 'bench-hostile: %s\n' "$*" >&2; }

cargo build --release -q -p citizen-cli
cargo build --release -q -p citizen-core --example hostile
rm -rf "$DIR"
mkdir -p "$DIR"
say "generating the hostile files in $DIR"
"$ROOT/target/release/examples/hostile" "$DIR" >"$DIR.cases"

printf '%-38s %10s %8s %10s %4s  %-10s %s\n' case "size" "wall s" "peak MiB" exit code verdict
while IFS=$'\t' read -r file status code name; do
  path=$DIR/$file
  size=$(stat -c %s "$path")
  set +e
  /usr/bin/time -f '%e %M' -o "$DIR/time.txt" \
    "$BIN" validate "$path" --dataset hostile --contracts "$DIR/contracts" --json >"$DIR/report.json" 2>"$DIR/stderr.txt"
  rc=$?
  set -e
  read -r wall rss < <(tail -n 1 "$DIR/time.txt")
  got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); e=[i for i in r["issues"] if i["severity"]=="error"]; print(r["status"], e[0]["code"] if e else "none")' "$DIR/report.json" 2>/dev/null || echo "no-report -")
  verdict=ok
  [[ "$got" == "$status $code" ]] || verdict="WRONG($got)"
  mib=$((rss / 1024))
  if ((size <= 100 * 1000 * 1000 && mib > 1024)); then verdict="$verdict MISSED(memory)"; fi
  if ((size <= 10 * 1000 * 1000)) && awk -v w="$wall" 'BEGIN { exit !(w > 30) }'; then verdict="$verdict MISSED(time)"; fi
  if ((rc != 1 && rc != 2)); then verdict="$verdict MISSED(exit $rc)"; fi
  printf '%-38s %10s %8s %10s %4s  %-10s %s\n' "$name" "$(numfmt --to=iec "$size")" "$wall" "$mib" "$rc" "$code" "$verdict"
done <"$DIR.cases"
rm -rf "$DIR" "$DIR.cases"

#!/usr/bin/env bash
# Fuzzes the readers and parsers of citizen-core with cargo-fuzz (targets in fuzz/).
#
#   scripts/fuzz.sh [SECONDS]      every target for SECONDS each (default 60)
#   scripts/fuzz.sh --smoke        every target for a few seconds (for `make test`)
#   FUZZ_TARGETS="csv_diff phone" scripts/fuzz.sh 600   only those targets
#
# Every run is strict, the smoke included: no finding is passed over
# (xlsx_diff lets through only the one-sided refusals of a kind named in
# `tolerated_refusal`, crates/citizen-core/src/fuzzing.rs; README "Fuzzing").
# The fixed findings (issue 11) are replayed by
# crates/citizen-core/tests/fuzz_regressions.rs.
#
# Installs cargo-fuzz when it is missing (needs the nightly toolchain), builds
# the targets, seeds fuzz/corpus/<target>/ with the samples generated from the
# contracts in contracts/ (plus whatever earlier runs added), then runs the
# targets one after the other. A finding stops its target: the input is saved
# under fuzz/artifacts/<target>/ and the script exits 1 after the others ran.
# Logs: fuzz/logs/<target>.log (the last lines hold runs and coverage).
set -euo pipefail

cd "$(dirname "$0")/.."

SECONDS_EACH=60
case "${1:-}" in
  --smoke) SECONDS_EACH="${2:-5}" ;;
  "") ;;
  *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS | --smoke [SECONDS]]" >&2; exit 2 ;;
  *) SECONDS_EACH="$1" ;;
esac

ALL_TARGETS="xml_scan xlsx_diff csv_diff contract phone dates guards"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# No sanitizer: citizen-core has no unsafe code, and without AddressSanitizer
# the build is shorter and the targets run about twice as fast. Panics,
# aborts, failed allocations, timeouts and memory past -rss_limit_mb are found
# all the same.
BUILD_FLAGS=(--sanitizer none)

started=$(date +%s)
echo "== building the fuzz targets"
cargo +nightly fuzz build "${BUILD_FLAGS[@]}"
built=$(date +%s)
echo "   built in $((built - started)) s"

BIN_DIR="fuzz/target/x86_64-unknown-linux-gnu/release"
mkdir -p fuzz/corpus fuzz/logs
echo "== seeding fuzz/corpus from the generated samples"
CITIZEN_FUZZ_SEEDS="$PWD/fuzz/corpus" CITIZEN_FUZZ_CONTRACTS="$PWD/contracts" "$BIN_DIR/xml_scan"

# Per target: the dictionary, and the longest input worth trying.
options_for() {
  case "$1" in
    xml_scan) echo "-dict=fuzz/dict/xml.dict -max_len=65536" ;;
    xlsx_diff) echo "-dict=fuzz/dict/xml.dict -max_len=131072" ;;
    csv_diff) echo "-dict=fuzz/dict/csv.dict -max_len=65536" ;;
    contract) echo "-max_len=16384" ;;
    phone | dates) echo "-max_len=64" ;;
    # An .xls or .ods of at most 64 KB must stay far below the 1 GB that
    # issue 11 allows a 100 MB file (the last -rss_limit_mb given wins).
    guards) echo "-dict=fuzz/dict/xml.dict -max_len=65536 -rss_limit_mb=1024" ;;
  esac
}

failed=()
for target in $TARGETS; do
  mkdir -p "fuzz/artifacts/$target"
  echo "== $target: ${SECONDS_EACH} s"
  # shellcheck disable=SC2046
  if cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    $(options_for "$target") >"fuzz/logs/$target.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "fuzz/logs/$target.log" | tail -2 | sed 's/^/   /'
  else
    failed+=("$target")
    echo "   FINDING in $target: see fuzz/logs/$target.log and fuzz/artifacts/$target/" >&2
    grep -E 'panicked at|ERROR: libFuzzer|Test unit written to' "fuzz/logs/$target.log" | head -5 | sed 's/^/   /' >&2
  fi
done

echo "== done in $(($(date +%s) - started)) s"
if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi

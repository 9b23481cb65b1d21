#!/usr/bin/env bash
# Installs the .deb that `make bundle` built on this machine and checks what a
# municipality's IT would get: the `citizen-db` CLI validates a file with the
# contracts installed beside it, the CLI starts a server (a throwaway data
# directory) and applies those contracts, a clerk submits, and the installed
# app starts under a private Xvfb, signs in to that server and is
# photographed (target/package-test.png). Then the package is purged and the
# script checks that nothing of it is left. Needs root (dpkg), refuses to run
# when Citizen DB is already installed, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SHOT=$ROOT/target/package-test.png
WINDOW_TIMEOUT=${PACKAGE_WINDOW_TIMEOUT:-60}

fail() {
  echo "package-test: FAILED: $*" >&2
  if [[ -n ${work:-} && -s $work/app.log ]]; then
    echo "--- app output ---" >&2
    tail -n 30 "$work/app.log" >&2
  fi
  exit 1
}

deb=${1:-$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)}
[[ -n $deb && -f $deb ]] || fail "no .deb under target/release/bundle/deb; run 'make bundle' first"
((EUID == 0)) || fail "installing a package needs root; run it as root (CI does)"
for tool in dpkg dpkg-deb Xvfb import identify xwininfo; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing; run 'make setup'"
done

package=$(dpkg-deb -f "$deb" Package)
echo "package-test: $deb (package $package $(dpkg-deb -f "$deb" Version))"
echo "package-test: Depends: $(dpkg-deb -f "$deb" Depends)"
echo "package-test: Recommends: $(dpkg-deb -f "$deb" Recommends)"
if dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
  fail "$package is already installed here; this test installs and purges it, so it leaves an existing installation alone"
fi

work=$(mktemp -d)
chmod 0711 "$work" # our own directory: the postgres user must reach the data directory inside it
installed=""
xvfb_pid=""
app_pid=""
cleanup() {
  set +e
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid"
    for _ in {1..50}; do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$app_pid" 2>/dev/null
  fi
  [[ -n $xvfb_pid ]] && kill -TERM "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  if [[ -x /usr/bin/citizen-db && -d $work/pg ]]; then
    CITIZEN_DB_DATA_DIR=$work/pg /usr/bin/citizen-db db stop >/dev/null 2>&1
  fi
  [[ -n $installed ]] && dpkg --purge "$package" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i failed: $(tail -n 5 "$work/dpkg.log")"
installed=yes
for path in /usr/bin/citizen-db /usr/bin/citizen-app /usr/share/citizen-db/contracts/welfare_patients.yaml; do
  [[ -e $path ]] || fail "the package did not install $path"
done
echo "package-test: installed $(dpkg -L "$package" | grep -c .) paths"

# The CLI from an unrelated directory finds the contracts installed beside it.
mkdir "$work/home" "$work/files"
cd "$work/files"
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config CITIZEN_DB_DATA_DIR=$work/pg
unset DATABASE_URL CITIZEN_DB_USER CITIZEN_DB_PASSWORD
citizen-db contracts check | grep -q '/usr/share/citizen-db/contracts' || fail "citizen-db did not use the installed contracts"
citizen-db sample --dataset welfare_patients --rows 300 --errors 0 --seed 5 --out good.csv >/dev/null
citizen-db sample --dataset welfare_patients --rows 300 --errors 3 --seed 5 --out bad.csv >/dev/null
citizen-db validate good.csv >/dev/null || fail "citizen-db validate refused a good file"
set +e
citizen-db validate bad.csv >/dev/null
status=$?
set -e
((status == 1)) || fail "citizen-db validate of a file with errors exited $status, not 1"
echo "package-test: installed citizen-db validated a good file (exit 0) and a bad one (exit 1)"

# A server started by the installed CLI, the installed contracts applied, a submit.
citizen-db db start --demo >/dev/null || fail "citizen-db db start failed"
citizen-db --admin contracts apply >/dev/null || fail "citizen-db contracts apply failed"
citizen-db --user clerk --password clerk submit good.csv --dataset welfare_patients --period 2026-10 | grep -q pending \
  || fail "the clerk's submit did not leave a pending request"
echo "package-test: server up, contracts applied, a request pending"

# The installed app, signed in as the supervisor, under a private X server.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in {1..100}; do
  [[ -s $work/display ]] && break
  sleep 0.1
done
[[ -s $work/display ]] || fail "Xvfb did not report a display"
export DISPLAY=":$(tr -d '[:space:]' <"$work/display")"
CITIZEN_DB_USER=supervisor CITIZEN_DB_PASSWORD=supervisor NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
  /usr/bin/citizen-app >"$work/app.log" 2>&1 &
app_pid=$!
started=$SECONDS
until xwininfo -root -tree 2>/dev/null | grep -q '"Citizen DB"'; do
  kill -0 "$app_pid" 2>/dev/null || fail "the installed app exited before showing its window"
  ((SECONDS - started < WINDOW_TIMEOUT)) || fail "no 'Citizen DB' window after ${WINDOW_TIMEOUT}s"
  sleep 0.2
done
sleep 4
kill -0 "$app_pid" 2>/dev/null || fail "the installed app exited after showing its window"
mkdir -p "$ROOT/target"
import -window root "$SHOT" || fail "screenshot failed"
colours=$(identify -format '%k' "$SHOT")
((colours > 16)) || fail "the screenshot is blank ($colours colours)"
echo "package-test: installed app up after $((SECONDS - started))s, screenshot $SHOT ($colours colours)"

# Purge, and nothing of the package is left.
kill -TERM "$app_pid" && wait "$app_pid" 2>/dev/null || true
app_pid=""
citizen-db db stop >/dev/null 2>&1 || true
cd "$ROOT"
dpkg --purge "$package" >"$work/dpkg.log" 2>&1 || fail "dpkg --purge failed: $(tail -n 5 "$work/dpkg.log")"
installed=""
for path in /usr/bin/citizen-db /usr/bin/citizen-app /usr/share/citizen-db; do
  [[ ! -e $path ]] || fail "$path is still there after dpkg --purge"
done
if dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
  fail "$package is still installed after dpkg --purge"
fi
echo "package-test: purged, nothing left"
echo "package-test: 1 passed, 0 failed"

#!/usr/bin/env bash
# Smoke test of the desktop app under a private, headless X server: starts
# Xvfb, starts target/debug/citizen-app, waits for its "Citizen DB" window,
# checks the app is still alive a few seconds later, takes a screenshot
# (target/app-smoke.png) and checks it is not blank. Cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

APP=${APP:-target/debug/citizen-app}
SHOT=target/app-smoke.png
LOG=target/app-smoke.log
WINDOW_TIMEOUT=${SMOKE_WINDOW_TIMEOUT:-30} # seconds to wait for the window
SETTLE=${SMOKE_SETTLE:-3}                  # seconds the app must then stay up

fail() {
  echo "app-smoke: FAILED: $*" >&2
  if [[ -s $LOG ]]; then
    echo "--- app output ($LOG) ---" >&2
    tail -n 40 "$LOG" >&2
  fi
  echo "app-smoke: 0 passed, 1 failed"
  exit 1
}

[[ -x $APP ]] || fail "$APP is missing; run 'make build' first"
for tool in Xvfb import identify xwininfo; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing; run 'make setup'"
done

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM "$app_pid" 2>/dev/null || true
    for _ in {1..50}; do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
  if [[ -n $xvfb_pid ]]; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display number itself and writes it to fd 3.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in {1..100}; do
  [[ -s $work/display ]] && break
  kill -0 "$xvfb_pid" 2>/dev/null || fail "Xvfb exited: $(cat "$work/xvfb.log")"
  sleep 0.1
done
[[ -s $work/display ]] || fail "Xvfb did not report a display"
export DISPLAY=":$(tr -d '[:space:]' <"$work/display")"
echo "app-smoke: Xvfb on $DISPLAY, starting $APP"

mkdir -p target
NO_AT_BRIDGE=1 "$APP" >"$LOG" 2>&1 &
app_pid=$!

started=$SECONDS
until xwininfo -root -tree 2>/dev/null | grep -q '"Citizen DB"'; do
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited before showing its window"
  ((SECONDS - started < WINDOW_TIMEOUT)) || fail "no 'Citizen DB' window after ${WINDOW_TIMEOUT}s"
  sleep 0.2
done
echo "app-smoke: window up after $((SECONDS - started))s"

sleep "$SETTLE"
kill -0 "$app_pid" 2>/dev/null || fail "the app exited within ${SETTLE}s of showing its window"

import -window root "$SHOT" || fail "screenshot failed"
colours=$(identify -format '%k' "$SHOT")
((colours > 16)) || fail "the screenshot is blank ($colours colours)"
echo "app-smoke: app alive after ${SETTLE}s, screenshot $SHOT ($colours colours)"
echo "app-smoke: 1 passed, 0 failed"

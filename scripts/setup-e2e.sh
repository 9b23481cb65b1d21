#!/usr/bin/env bash
# Setup for the end-to-end tests (tests/e2e, `make e2e`): tauri-driver, the
# WebDriver front for the app, installed with cargo when it is missing.
# WebKitWebDriver (webkit2gtk-driver), Xvfb and xdotool come from
# scripts/setup-system.sh. With everything present it makes no network call.
set -euo pipefail

if ! command -v tauri-driver >/dev/null; then
  if ! command -v cargo >/dev/null; then
    echo "setup-e2e: 'cargo' is not on PATH; install the Rust toolchain (rustup)" >&2
    exit 1
  fi
  echo "setup-e2e: installing tauri-driver (cargo install tauri-driver --version ^2 --locked)"
  cargo install tauri-driver --version '^2' --locked
  if ! command -v tauri-driver >/dev/null; then
    echo "setup-e2e: tauri-driver was installed into $(dirname "$(command -v cargo)") but is not on PATH" >&2
    exit 1
  fi
fi

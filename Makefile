# Citizen DB: setup, build, test, run and package.
# Every target can be re-run; `make setup` is quick when nothing is missing.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

APP := target/debug/citizen-app
NODE_STAMP := ui/node_modules/.install-stamp
UI_DIST := ui/dist/index.html
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json

# One thing at a time: cargo parallelises inside each step, and `test` relies on
# its prerequisites running in the order written.
.NOTPARALLEL:

.PHONY: setup system-deps e2e-deps build run test fmt-check lint test-rust test-ui smoke e2e bench bundle package-test fuzz

## setup: install missing system packages, tauri-driver, the UI's npm packages, and build ui/dist
setup: system-deps e2e-deps $(UI_DIST)

system-deps:
	@scripts/setup-system.sh

# tauri-driver for the end-to-end tests (cargo install, only when missing).
e2e-deps: system-deps
	@scripts/setup-e2e.sh

# npm ci only when node_modules is missing or older than the manifest or lock file.
# (ui/package.json holds vite at 8.3.x: 8.4.0 lists an optional dependency that
# the registry does not serve, and `npm ci` then rejects the lock file.)
$(NODE_STAMP): ui/package.json ui/package-lock.json | system-deps
	cd ui && npm ci --no-audit --no-fund
	touch $@

# The app crate embeds ui/dist at compile time, so it must exist before any cargo build.
$(UI_DIST): $(NODE_STAMP) $(UI_SOURCES)
	cd ui && npm run build

## build: setup, then build every crate of the workspace
build: setup
	cargo build --workspace

## run: build, start the embedded database with the demo logins and the contracts applied, then the desktop app (needs a display)
run: build
	@if [[ -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then \
	  echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the app cannot open its window." >&2; \
	  echo "          Run it from a desktop session, or try it headless with scripts/app-smoke.sh." >&2; \
	  exit 1; \
	fi
	target/debug/citizen-db db start --demo
	target/debug/citizen-db --admin contracts apply
	$(APP)

## test: formatting, lints, Rust tests, UI type check and tests, the app smoke test and the end-to-end tests
test: setup fmt-check lint test-rust test-ui smoke e2e

fmt-check:
	cargo fmt --all --check

lint: $(UI_DIST)
	cargo clippy --workspace --all-targets -- -D warnings

# The end-to-end tests need the built app and a display server: they run in `e2e`.
test-rust: $(UI_DIST)
	cargo test --workspace --exclude citizen-e2e
	cargo test -p citizen-core --features fuzzing --test fuzz_regressions
	scripts/fuzz.sh --smoke

test-ui: $(NODE_STAMP)
	cd ui && npm run typecheck
	cd ui && npm test

smoke: $(UI_DIST)
	cargo build -p citizen-app
	scripts/app-smoke.sh

## e2e: the end-to-end tests: the real app in its WebKit window under Xvfb, through
## tauri-driver, over a fresh embedded database (screenshots in target/e2e-screenshots/)
e2e: $(UI_DIST) e2e-deps
	cargo build -p citizen-app -p citizen-cli
	cargo test -p citizen-e2e -- --test-threads=1

## fuzz: every cargo-fuzz target for FUZZ_SECONDS each (default 60; scripts/fuzz.sh)
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

## bench: the benchmarks (scripts/bench.sh)
bench:
	@[[ -f scripts/bench.sh ]] || { echo "make bench: scripts/bench.sh is not there yet" >&2; exit 1; }
	bash scripts/bench.sh

## bundle: a release .deb (target/release/bundle/deb/) holding the app, the citizen-db CLI
## (/usr/bin), the shipped contracts (/usr/share/citizen-db/contracts) and the guides
bundle: setup
	cargo build --release -p citizen-cli
	TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui npx --prefix ui tauri build --bundles deb

## package-test: build the .deb, install it with dpkg on this machine (root), run the installed
## CLI and app against a server, then purge it (scripts/package-test.sh; not part of `test`:
## the release build alone takes longer than the rest of the tests)
package-test: bundle
	scripts/package-test.sh

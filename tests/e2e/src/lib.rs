//! End-to-end tests of the Citizen DB desktop app. They live in `tests/` and
//! run with `make e2e` (`cargo test -p citizen-e2e -- --test-threads=1` after
//! building `citizen-app` and `citizen-cli`):
//!
//! - `tests/harness.rs`: the real app starts in its WebKit window under a
//!   private Xvfb, through tauri-driver, and shows "Citizen DB";
//! - `tests/flows.rs`: a clerk loads a file with errors (highlighted cells,
//!   error report exported as xlsx), loads the corrected file and submits it; a
//!   supervisor approves it (the version is active) and rolls back through the
//!   confirmation; a login with both roles is not offered Approve on its own
//!   request (and the backend refuses it). Screenshots of every screen in
//!   Hebrew and English go to `target/e2e-screenshots/`.
//!
//! How the tests stand in for the user where WebDriver cannot reach:
//!
//! - files are opened through the drop zone's own path: the test emits
//!   Tauri's `tauri://drag-drop` event, which the Load screen turns into
//!   `open_files(paths, channel)` exactly as for a real drop;
//! - the native (GTK) save dialog of "Export error report" is answered with
//!   `xdotool` on the test display (type the full path, Enter).
//!
//! Each test gets a fresh embedded cluster (`CITIZEN_DB_DATA_DIR=/tmp/citizen-e2e-<pid>`,
//! prepared with `citizen-db db start` and `contracts apply`), a fresh HOME and
//! XDG_CONFIG_HOME, and logs in through `CITIZEN_DB_USER`/`CITIZEN_DB_PASSWORD`.
//! On failure a test names the step and the element it waited for, saves
//! `target/e2e-screenshots/FAILED-<test>.png` and prints the end of the app's log.
//! Set `CITIZEN_E2E_KEEP=1` to keep the scratch directory (`/tmp/citizen-e2e-<pid>-work`).

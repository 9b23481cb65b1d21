//! The end-to-end harness: a private Xvfb display, a fresh embedded PostgreSQL
//! cluster prepared with the CLI, and the real app started by tauri-driver
//! (WebKitWebDriver underneath) with the environment of one login at a time.
//!
//! Every helper returns `Result<_, String>` with a message saying what was
//! looked for and where; [`run`] saves a screenshot and the driver's log on
//! failure, and always tears everything down in the right order (WebDriver
//! session, then tauri-driver's whole process group, then the cluster, then Xvfb).

#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use std::future::Future;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub type R<T> = Result<T, String>;

/// Default wait for an element or a condition.
pub const WAIT: Duration = Duration::from_secs(20);

/// The tests share display numbers, ports and the cluster directory name, so
/// they run one at a time even without `--test-threads=1`.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Two distinct free TCP ports (both held while picking, so they differ).
fn free_ports() -> R<(u16, u16)> {
    let a = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free TCP port: {e}"))?;
    let b = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free TCP port: {e}"))?;
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok((port(&a)?, port(&b)?))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Sends SIGTERM to a whole process group the way PLATFORM.md says works
/// (the shell builtin; `/usr/bin/kill -TERM -PGID` silently does nothing).
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("bash")
        .arg("-c")
        .arg(format!("kill -s {signal} -- -{pgid} 2>/dev/null"))
        .stdin(Stdio::null())
        .status();
}

fn wait_child(child: &mut Child, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// What every test shares: the repository, the temp dirs, Xvfb and the cluster.
pub struct Env {
    pub repo: PathBuf,
    /// `CITIZEN_DB_DATA_DIR`: `/tmp/citizen-e2e-<pid>`.
    pub db_dir: PathBuf,
    /// Scratch space: HOME for the app, sample files, exports, logs.
    pub work: PathBuf,
    pub shots: PathBuf,
    pub app_bin: PathBuf,
    pub cli_bin: PathBuf,
    display: String,
    xvfb: Option<Child>,
    db_started: bool,
    launches: u32,
    _lock: MutexGuard<'static, ()>,
}

impl Env {
    fn start() -> R<Env> {
        let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let repo = repo_root();
        let app_bin = repo.join("target/debug/citizen-app");
        let cli_bin = repo.join("target/debug/citizen-db");
        for (bin, hint) in [
            (&app_bin, "cargo build -p citizen-app (after `cd ui && npm run build`)"),
            (&cli_bin, "cargo build -p citizen-cli"),
        ] {
            if !bin.is_file() {
                return Err(format!("{} is missing: run `{hint}` first (or `make e2e`)", bin.display()));
            }
        }
        for tool in ["tauri-driver", "WebKitWebDriver", "Xvfb", "psql"] {
            let found = Command::new("bash")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !found {
                return Err(format!(
                    "'{tool}' is not on PATH: run `make setup` (scripts/setup-e2e.sh, scripts/setup-system.sh)"
                ));
            }
        }
        let pid = std::process::id();
        let db_dir = PathBuf::from(format!("/tmp/citizen-e2e-{pid}"));
        let work = PathBuf::from(format!("/tmp/citizen-e2e-{pid}-work"));
        let _ = std::fs::remove_dir_all(&work);
        for dir in [work.join("home/.config"), work.join("files"), work.join("exports")] {
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let shots = repo.join("target/e2e-screenshots");
        std::fs::create_dir_all(&shots).map_err(|e| format!("cannot create {}: {e}", shots.display()))?;

        // Xvfb picks a free display number itself and writes it to fd 3.
        let display_file = work.join("display");
        let xvfb = Command::new("bash")
            .arg("-c")
            .arg(format!("exec Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>'{}'", display_file.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(work.join("xvfb.log")).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cannot start Xvfb: {e}"))?;
        let mut env = Env {
            repo,
            db_dir,
            work,
            shots,
            app_bin,
            cli_bin,
            display: String::new(),
            xvfb: Some(xvfb),
            db_started: false,
            launches: 0,
            _lock: lock,
        };
        let start = Instant::now();
        loop {
            let number = std::fs::read_to_string(&display_file).unwrap_or_default();
            if !number.trim().is_empty() {
                env.display = format!(":{}", number.trim());
                break;
            }
            if let Some(x) = env.xvfb.as_mut() {
                if let Ok(Some(status)) = x.try_wait() {
                    return Err(format!("Xvfb exited ({status}): {}", tail(&env.work.join("xvfb.log"), 10)));
                }
            }
            if start.elapsed() > Duration::from_secs(10) {
                return Err("Xvfb did not report a display number within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(env)
    }

    /// Runs the CLI against the test cluster, as `login` or (None) the
    /// embedded default's superuser (`--admin`: nobody is the superuser unasked).
    pub fn cli(&self, login: Option<(&str, &str)>, args: &[&str]) -> R<String> {
        let mut command = Command::new(&self.cli_bin);
        if login.is_none() {
            command.arg("--admin");
        }
        command
            .args(args)
            .current_dir(&self.repo)
            .env("CITIZEN_DB_DATA_DIR", &self.db_dir)
            .env_remove("CITIZEN_DB_USER")
            .env_remove("CITIZEN_DB_PASSWORD")
            .stdin(Stdio::null());
        if let Some((user, password)) = login {
            command.env("CITIZEN_DB_USER", user).env("CITIZEN_DB_PASSWORD", password);
        }
        let output = command.output().map_err(|e| format!("cannot run citizen-db: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!(
                "`citizen-db {}` failed ({}):\n{}\n{}",
                args.join(" "),
                output.status,
                stdout.trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(stdout)
    }

    /// `db start --demo` and `contracts apply`: a fresh cluster with the demo logins and tables.
    pub fn prepare_database(&mut self) -> R<()> {
        self.db_started = true;
        self.cli(None, &["db", "start", "--demo"])?;
        self.cli(None, &["contracts", "apply"])?;
        Ok(())
    }

    /// Runs SQL as the cluster's superuser over its unix socket.
    pub fn psql(&self, sql: &str) -> R<String> {
        let password_file = self.db_dir.join("superuser-password");
        let password = std::fs::read_to_string(&password_file)
            .map_err(|e| format!("cannot read {}: {e}", password_file.display()))?;
        let output = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.db_dir.join("run"))
            .args(["-p", "5432", "-U", "postgres", "-d", "citizen", "-c", sql])
            .env("PGPASSWORD", password.trim())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if !output.status.success() {
            return Err(format!("psql `{sql}` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Writes a welfare_patients sample (`errors` deliberate errors per code) as `files/<name>`.
    pub fn sample(&self, name: &str, errors: u32, seed: u32) -> R<PathBuf> {
        let out = self.work.join("files").join(name);
        self.cli(
            None,
            &[
                "sample",
                "--dataset",
                "welfare_patients",
                "--rows",
                "200",
                "--errors",
                &errors.to_string(),
                "--seed",
                &seed.to_string(),
                "--out",
                out.to_str().ok_or("non-UTF-8 temp path")?,
            ],
        )?;
        Ok(out)
    }

    /// Runs `xdotool` on the test display (for native dialogs), at most `secs` seconds.
    pub fn xdotool(&self, args: &[&str], secs: u32) -> R<String> {
        let output = Command::new("timeout")
            .arg(secs.to_string())
            .arg("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run xdotool (run `make setup`): {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`xdotool {}` failed or timed out after {secs} s ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn teardown(&mut self) {
        if self.db_started {
            if let Err(e) = self.cli(None, &["db", "stop"]) {
                eprintln!("e2e: stopping the test cluster failed: {e}");
            }
            self.db_started = false;
        }
        let _ = std::fs::remove_dir_all(&self.db_dir);
        if let Some(mut xvfb) = self.xvfb.take() {
            // SIGTERM first: Xvfb then removes its socket in /tmp/.X11-unix,
            // which a SIGKILL leaves behind.
            let _ = Command::new("kill").args(["-s", "TERM", &xvfb.id().to_string()]).stderr(Stdio::null()).status();
            if !wait_child(&mut xvfb, Duration::from_secs(5)) {
                let _ = xvfb.kill();
            }
            let _ = xvfb.wait();
        }
        if std::env::var_os("CITIZEN_E2E_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.work);
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// One running app: tauri-driver (own process group) + WebKitWebDriver + the app,
/// and the WebDriver session on it.
pub struct App {
    pub client: Client,
    pub user: String,
    driver: Child,
    pub log: PathBuf,
    closed: bool,
}

impl App {
    async fn launch(env: &mut Env, login: Option<(&str, &str)>) -> R<App> {
        env.launches += 1;
        let (port, native_port) = free_ports()?;
        let log = env.work.join(format!("app-{}.log", env.launches));
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let home = env.work.join("home");
        let mut command = Command::new("tauri-driver");
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .current_dir(&env.repo)
            .env("DISPLAY", &env.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("NO_AT_BRIDGE", "1")
            // GTK's file chooser saves its state through dconf, which needs a D-Bus session.
            .env("GSETTINGS_BACKEND", "memory")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("CITIZEN_DB_DATA_DIR", &env.db_dir)
            .env_remove("CITIZEN_DB_USER")
            .env_remove("CITIZEN_DB_PASSWORD")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .process_group(0);
        if let Some((user, password)) = login {
            command.env("CITIZEN_DB_USER", user).env("CITIZEN_DB_PASSWORD", password);
        }
        let mut driver = command.spawn().map_err(|e| format!("cannot start tauri-driver: {e}"))?;
        // Both tauri-driver and the WebKitWebDriver it starts must listen before
        // a session can be created (else: "tcp connect error" from tauri-driver).
        let start = Instant::now();
        for (what, p) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                if let Ok(Some(status)) = driver.try_wait() {
                    return Err(format!("tauri-driver exited ({status}) before {what} listened:\n{}", tail(&log, 20)));
                }
                if start.elapsed() > Duration::from_secs(20) {
                    signal_group(driver.id(), "KILL");
                    let _ = driver.wait();
                    return Err(format!("{what} did not listen on port {p} within 20 s:\n{}", tail(&log, 20)));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let capabilities = json!({
            "tauri:options": { "application": env.app_bin.to_str().ok_or("non-UTF-8 path")? }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        // A session request can still race the native driver's start on a busy
        // machine: retry a connection failure a few times.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let client = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match client {
                Ok(client) => break client,
                Err(e) if attempt < 4 && matches!(driver.try_wait(), Ok(None)) => {
                    eprintln!("e2e: creating the WebDriver session failed (attempt {attempt}), retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
                }
                Err(e) => {
                    signal_group(driver.id(), "TERM");
                    if !wait_child(&mut driver, Duration::from_secs(5)) {
                        signal_group(driver.id(), "KILL");
                        let _ = driver.wait();
                    }
                    return Err(format!(
                        "the WebDriver session did not start after {attempt} attempts: {e}\n{}",
                        tail(&log, 30)
                    ));
                }
            }
        };
        let app = App { client, user: login.map(|l| l.0.to_owned()).unwrap_or_default(), driver, log, closed: false };
        Ok(app)
    }

    /// Closes the session, then SIGTERMs tauri-driver's whole process group.
    pub async fn close(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        let pgid = self.driver.id();
        signal_group(pgid, "TERM");
        if !wait_child(&mut self.driver, Duration::from_secs(10)) {
            signal_group(pgid, "KILL");
            let _ = self.driver.wait();
        }
        // The app itself is in the same group; give it a moment to go.
        std::thread::sleep(Duration::from_millis(200));
        signal_group(pgid, "KILL");
    }

    // ---- finding things -------------------------------------------------------

    pub fn css_for(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    /// Waits until `css` matches an element.
    pub async fn wait_css(&self, css: &str, what: &str, within: Duration) -> R<Element> {
        let start = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                return Ok(element);
            }
            if start.elapsed() > within {
                let screen = self.screen_name().await;
                return Err(format!(
                    "{what}: no element matching `{css}` after {:.0} s (screen: {screen})",
                    within.as_secs_f64()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait(&self, testid: &str) -> R<Element> {
        self.wait_css(&Self::css_for(testid), &format!("element data-testid=\"{testid}\""), WAIT).await
    }

    /// Clicks an element, finding it again when the screen re-rendered it in between.
    pub async fn click(&self, testid: &str) -> R<()> {
        self.click_css(&Self::css_for(testid), &format!("data-testid=\"{testid}\"")).await
    }

    pub async fn click_css(&self, css: &str, what: &str) -> R<()> {
        let start = Instant::now();
        loop {
            let element = self.wait_css(css, what, WAIT).await?;
            match element.click().await {
                Ok(()) => return Ok(()),
                Err(e) if start.elapsed() < WAIT => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(format!("clicking {what} failed: {e:?}")),
            }
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Runs a script (its value may be a promise) and returns its JSON value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> R<Value> {
        self.client.execute(script, args).await.map_err(|e| format!("script failed: {e}\n--- script ---\n{script}"))
    }

    /// Waits until `script` (returning a boolean) is true.
    pub async fn wait_js(&self, script: &str, what: &str, within: Duration) -> R<()> {
        let start = Instant::now();
        loop {
            if let Ok(Value::Bool(true)) = self.client.execute(script, vec![]).await {
                return Ok(());
            }
            if start.elapsed() > within {
                let screen = self.screen_name().await;
                return Err(format!(
                    "{what}: still not the case after {:.0} s (screen: {screen})",
                    within.as_secs_f64()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The current screen's heading and the visible notices, for failure messages.
    pub async fn screen_name(&self) -> String {
        let script = r#"
            const h = document.querySelector('main h1');
            const notes = [...document.querySelectorAll('.notice, .alert, .refusal')].map(n => n.textContent.trim()).filter(Boolean);
            return (h ? h.textContent.trim() : '(no heading)') + (notes.length ? ' | notices: ' + notes.join(' / ') : '');
        "#;
        match self.client.execute(script, vec![]).await {
            Ok(Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => format!("(unknown: {e})"),
        }
    }

    /// The texts of the notices shown now.
    pub async fn notice_list(&self) -> Vec<String> {
        match self
            .js(
                "return [...document.querySelectorAll('.notice')].map(n => n.className + '|' + n.textContent.trim());",
                vec![],
            )
            .await
        {
            Ok(Value::Array(items)) => items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }

    /// Waits for a notice of `kind` ("success", "error", ...) that was not in `before`;
    /// returns its text. An error notice meanwhile ends the wait with that error.
    pub async fn wait_new_notice(&self, before: &[String], kind: &str, what: &str, within: Duration) -> R<String> {
        let start = Instant::now();
        loop {
            for notice in self.notice_list().await {
                if before.contains(&notice) {
                    continue;
                }
                let (class, text) = notice.split_once('|').unwrap_or(("", &notice));
                let text = text.trim_end_matches('✕').to_owned();
                if class.split_whitespace().any(|c| c == kind) {
                    return Ok(text);
                }
                if class.split_whitespace().any(|c| c == "error") {
                    return Err(format!("{what}: the app said (error notice): {text}"));
                }
            }
            if start.elapsed() > within {
                return Err(format!(
                    "{what}: no new {kind} notice after {:.0} s (screen: {})",
                    within.as_secs_f64(),
                    self.screen_name().await
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn notices(&self) -> String {
        match self
            .js("return [...document.querySelectorAll('.notice')].map(n => n.textContent.trim()).join(' / ');", vec![])
            .await
        {
            Ok(Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// A WebDriver screenshot of the window, as `target/e2e-screenshots/<name>.png`.
    pub async fn shot(&self, shots: &Path, name: &str) -> R<PathBuf> {
        // Let pending DOM changes reach the screen first.
        let _ = self
            .client
            .execute(
                "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 50))));",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await.map_err(|e| format!("screenshot {name} failed: {e}"))?;
        if png.len() < 8 || &png[..8] != b"\x89PNG\r\n\x1a\n" {
            return Err(format!("screenshot {name} is not a PNG ({} bytes)", png.len()));
        }
        let path = shots.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// Goes to a screen through its sidebar button and waits for its heading.
    pub async fn nav(&self, route: &str) -> R<()> {
        self.click(&format!("nav-{route}")).await?;
        self.wait_css(
            &format!("[data-testid=\"nav-{route}\"][aria-current=\"page\"]"),
            &format!("the {route} screen to become current"),
            WAIT,
        )
        .await?;
        Ok(())
    }

    /// Hands files to the Load screen's drop handler exactly as a drop on the
    /// window does: Tauri's `tauri://drag-drop` event, which the drop zone turns
    /// into `open_files(paths, channel)`.
    pub async fn drop_files(&self, paths: &[&Path]) -> R<()> {
        let paths: Vec<Value> = paths.iter().map(|p| Value::String(p.display().to_string())).collect();
        let script = r#"
            return window.__TAURI_INTERNALS__.invoke('plugin:event|emit', {
                event: 'tauri://drag-drop',
                payload: { paths: arguments[0], position: { x: 200, y: 200 } },
            }).then(() => true);
        "#;
        self.js(script, vec![Value::Array(paths)]).await.map(|_| ())
    }

    /// Sets an input's value and fires `change` (the way a user's edit ends).
    pub async fn set_value(&self, testid: &str, value: &str) -> R<()> {
        self.wait(testid).await?;
        let script = r#"
            const el = document.querySelector(arguments[0]);
            el.value = arguments[1];
            el.dispatchEvent(new Event('input', { bubbles: true }));
            el.dispatchEvent(new Event('change', { bubbles: true }));
            return true;
        "#;
        self.js(script, vec![json!(Self::css_for(testid)), json!(value)]).await.map(|_| ())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if !self.closed {
            // No session close possible here (not async): end the whole group.
            let pgid = self.driver.id();
            signal_group(pgid, "TERM");
            if !wait_child(&mut self.driver, Duration::from_secs(5)) {
                signal_group(pgid, "KILL");
                let _ = self.driver.wait();
            }
            signal_group(pgid, "KILL");
        }
    }
}

/// A test run: the environment and the app currently open (at most one).
pub struct Run {
    pub env: Env,
    pub app: Option<App>,
    pub name: String,
    /// Finished steps with their durations, and the current one with its start.
    steps: Mutex<Steps>,
}

/// Finished steps with their durations, and the current one with its start.
struct Steps {
    done: Vec<(String, Duration)>,
    current: String,
    started: Instant,
}

impl Run {
    /// (Re)starts the app logged in as `login` (None: no login in the environment).
    pub async fn launch(&mut self, login: Option<(&str, &str)>) -> R<&App> {
        if let Some(app) = self.app.take() {
            app.close().await;
        }
        let app = App::launch(&mut self.env, login).await?;
        self.app = Some(app);
        let app = self.app.as_ref().expect("just set");
        // The shell is up when the sidebar is rendered...
        app.wait_css("[data-testid=\"nav-load\"]", "the app shell (sidebar)", Duration::from_secs(30)).await?;
        // ...and on screen once a screenshot is more than one flat colour (a blank
        // 1280x800 PNG is about 5 kB; the rendered shell is well above 20 kB).
        let start = Instant::now();
        loop {
            let png = app.client.screenshot().await.map_err(|e| format!("screenshot failed: {e}"))?;
            if png.len() > 12_000 {
                break;
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err("the window stayed blank for 20 s after the page loaded".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(app)
    }

    pub fn app(&self) -> R<&App> {
        self.app.as_ref().ok_or_else(|| "no app is running".to_owned())
    }

    pub async fn shot(&self, name: &str) -> R<PathBuf> {
        self.app()?.shot(&self.env.shots, name).await
    }

    /// Marks the start of a named step (for timings and failure messages).
    pub fn step(&self, name: &str) {
        self.end_step();
        eprintln!("e2e[{}]: {name}", self.name);
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        steps.current = name.to_owned();
        steps.started = Instant::now();
    }

    fn end_step(&self) {
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        if !steps.current.is_empty() {
            let finished = (std::mem::take(&mut steps.current), steps.started.elapsed());
            steps.done.push(finished);
        }
    }

    fn current_step(&self) -> String {
        self.steps.lock().unwrap_or_else(|p| p.into_inner()).current.clone()
    }
}

/// Runs a test body in a fresh environment; on failure saves
/// `target/e2e-screenshots/FAILED-<name>.png` and panics with the step, the
/// message and the end of the app's log. Always tears everything down.
pub async fn run<F>(name: &str, body: F)
where
    F: for<'a> FnOnce(&'a mut Run) -> Pin<Box<dyn Future<Output = R<()>> + 'a>>,
{
    let started = Instant::now();
    let env = match Env::start() {
        Ok(env) => env,
        Err(e) => panic!("e2e[{name}]: environment: {e}"),
    };
    let _ = std::fs::remove_file(env.shots.join(format!("FAILED-{name}.png")));
    let mut run = Run {
        env,
        app: None,
        name: name.to_owned(),
        steps: Mutex::new(Steps { done: Vec::new(), current: String::new(), started: Instant::now() }),
    };
    let result = body(&mut run).await;
    let failed_step = run.current_step();
    run.end_step();
    let mut failure = None;
    if let Err(message) = result {
        let mut text = format!("e2e[{name}] failed in step \"{failed_step}\": {message}");
        if let Some(app) = run.app.as_ref() {
            match app.shot(&run.env.shots, &format!("FAILED-{name}")).await {
                Ok(path) => text.push_str(&format!("\nscreenshot: {}", path.display())),
                Err(e) => text.push_str(&format!("\n(no failure screenshot: {e})")),
            }
            let mut log = String::new();
            let _ = std::fs::File::open(&app.log).and_then(|mut f| f.read_to_string(&mut log));
            let lines: Vec<&str> = log.lines().collect();
            text.push_str(&format!(
                "\n--- app/driver log ({}) ---\n{}",
                app.log.display(),
                lines[lines.len().saturating_sub(30)..].join("\n")
            ));
        }
        failure = Some(text);
    }
    if let Some(app) = run.app.take() {
        app.close().await;
    }
    let steps = std::mem::take(&mut run.steps.lock().unwrap_or_else(|p| p.into_inner()).done);
    drop(run);
    eprintln!("e2e[{name}]: {:.1} s in all", started.elapsed().as_secs_f64());
    for (step, took) in &steps {
        eprintln!("e2e[{name}]:   {:>6.1} s  {step}", took.as_secs_f64());
    }
    if let Some(text) = failure {
        panic!("{text}");
    }
}

//! The OS keyring for the remembered password: against a real Secret Service
//! (gnome-keyring on a private D-Bus session) when one can be started, else the
//! clear `keyring_unavailable` error. One test in its own binary, because the
//! keyring store and the D-Bus address are process-wide.

use citizen_core::desktop::secrets::{forget_password, load_password, store_password};
use std::process::{Child, Command, Stdio};

/// A private D-Bus session with gnome-keyring's Secret Service, for one test process.
struct SecretService {
    bus: Child,
    keyring: Option<Child>,
    _home: tempfile::TempDir,
}

impl Drop for SecretService {
    fn drop(&mut self) {
        if let Some(keyring) = self.keyring.as_mut() {
            let _ = keyring.kill();
            let _ = keyring.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// Starts dbus-daemon and gnome-keyring-daemon (unlocked with an empty
/// password) and points this process at them; `None` when not installed.
/// The bus's socket lives in the test's own directory (dbus-daemon's default
/// would leave a `dbus-*` socket in /tmp when it is killed).
fn secret_service() -> Option<SecretService> {
    use std::io::{BufRead, BufReader, Write};
    let home = tempfile::tempdir().ok()?;
    let listen = format!("--address=unix:dir={}", home.path().display());
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1", listen.as_str()])
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut address = String::new();
    BufReader::new(bus.stdout.take()?).read_line(&mut address).ok()?;
    let address = address.trim().to_owned();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    std::env::set_var("XDG_DATA_HOME", home.path());
    let mut service = SecretService { bus, keyring: None, _home: home };
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets", "--foreground"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = keyring.stdin.take() {
        let _ = stdin.write_all(b"\n");
    }
    service.keyring = Some(keyring);
    std::thread::sleep(std::time::Duration::from_millis(700));
    Some(service)
}

#[test]
fn passwords_go_to_the_keyring_or_fail_clearly() {
    // One test: the keyring store is chosen once per process and the
    // environment is process-wide.
    let blank = store_password("  ", "x").expect_err("a login name is required");
    assert_eq!(blank.code(), "keyring_unavailable");

    let Some(_service) = secret_service() else {
        // No Secret Service can be started here: storing must fail with
        // the clear error, never fall back to a file.
        eprintln!("no Secret Service could be started here: checking the unavailable path only");
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/citizen-db-bus");
        let error = store_password("clerk", "secret").expect_err("no keyring here");
        assert_eq!(error.code(), "keyring_unavailable", "{error}");
        return;
    };
    store_password("clerk", "s3cret").expect("store in the Secret Service");
    assert_eq!(load_password("clerk").expect("read back").as_deref(), Some("s3cret"));
    store_password("clerk", "other").expect("replace");
    assert_eq!(load_password("clerk").expect("read back").as_deref(), Some("other"));
    assert_eq!(load_password("nobody").expect("absent is fine"), None);
    forget_password("clerk").expect("forget");
    forget_password("clerk").expect("forgetting twice is fine");
    assert_eq!(load_password("clerk").expect("gone"), None);
}

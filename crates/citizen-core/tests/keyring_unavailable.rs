//! With no Secret Service reachable, remembering a password fails with the
//! clear `keyring_unavailable` error and nothing is written anywhere; reading
//! a remembered password quietly gives none (the user signs in again). Its own
//! binary: the keyring store and the D-Bus address are process-wide.

use citizen_core::desktop::secrets::{remember_password, remembered_password, store_password};

#[tokio::test]
async fn no_keyring_is_a_clear_error_and_no_file() {
    let home = tempfile::tempdir().expect("temp dir");
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/citizen-db-bus");
    std::env::set_var("HOME", home.path());
    std::env::set_var("XDG_CONFIG_HOME", home.path());
    std::env::set_var("XDG_DATA_HOME", home.path());

    let error = store_password("clerk", "s3cret").expect_err("no keyring");
    assert_eq!(error.code(), "keyring_unavailable", "{error}");
    assert!(error.to_string().contains("keyring"), "{error}");
    let error = remember_password("clerk", "s3cret", true).await.expect_err("no keyring");
    assert_eq!(error.code(), "keyring_unavailable");
    remember_password("clerk", "s3cret", false).await.expect("not remembering needs no keyring");
    assert_eq!(remembered_password("clerk").await, None);
    let written: Vec<_> = walk(home.path());
    assert!(written.is_empty(), "nothing may be written: {written:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

//! `citizen-db users ...` end to end on an embedded cluster of the test's own:
//! an administrator adds a login (password from stdin, never an argument),
//! the login signs in, the password is changed (the old one then fails), the
//! login is disabled; other roles are refused with exit 1; `list --json`.

mod common;

use common::{citizen_db_on, text, Cluster};

#[test]
fn an_administrator_manages_logins_from_the_command_line() {
    let cluster = Cluster::new("users");
    let dir = cluster.0.clone();
    let started = citizen_db_on(&dir, &["db", "start", "--demo"], "");
    assert!(started.status.success(), "{}", text(&started.stderr));
    let admin = ["--user", "admin", "--password", "admin"];
    let as_admin = |args: &[&str], stdin: &str| {
        let all: Vec<&str> = admin.iter().chain(args.iter()).copied().collect();
        citizen_db_on(&dir, &all, stdin)
    };
    let signs_in = |login: &str, password: &str| {
        citizen_db_on(&dir, &["--user", login, "--password", password, "requests"], "").status.success()
    };

    let added = as_admin(&["users", "add", "dana", "--role", "clerk"], "first pass 1\nfirst pass 1\n");
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(signs_in("dana", "first pass 1"));

    let listed = as_admin(&["users", "list", "--json"], "");
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let logins: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap_or_else(|e| panic!("{e}"));
    let dana = logins
        .as_array()
        .and_then(|all| all.iter().find(|l| l["login"] == "dana"))
        .unwrap_or_else(|| panic!("dana not listed: {logins}"));
    assert_eq!(dana["roles"], serde_json::json!(["clerk"]));
    assert_eq!(dana["canLogin"], true);

    // Two different lines: refused as unusable input, nothing changed.
    let differ = as_admin(&["users", "password", "dana"], "second pass 2\nsecond pass 3\n");
    assert_eq!(differ.status.code(), Some(2), "{}", text(&differ.stderr));
    assert!(signs_in("dana", "first pass 1"));
    let changed = as_admin(&["users", "password", "dana"], "second pass 2\n");
    assert!(changed.status.success(), "{}", text(&changed.stderr));
    assert!(signs_in("dana", "second pass 2"));
    assert!(!signs_in("dana", "first pass 1"), "the old password no longer works");

    // Another role is refused by the database (exit 1).
    let by_clerk = citizen_db_on(&dir, &["--user", "clerk", "--password", "clerk", "users", "disable", "dana"], "");
    assert_eq!(by_clerk.status.code(), Some(1), "{}", text(&by_clerk.stderr));
    let self_disable = as_admin(&["users", "disable", "admin"], "");
    assert_eq!(self_disable.status.code(), Some(1), "{}", text(&self_disable.stderr));

    let role = as_admin(&["users", "role", "dana", "--role", "supervisor"], "");
    assert!(role.status.success(), "{}", text(&role.stderr));
    let disabled = as_admin(&["users", "disable", "dana"], "");
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    assert!(!signs_in("dana", "second pass 2"), "a disabled login cannot sign in");
    let listed = text(&as_admin(&["users", "list"], "").stdout);
    assert!(
        listed.lines().any(|l| l.starts_with("dana") && l.contains("supervisor") && l.contains("disabled")),
        "{listed}"
    );
    // The password never appears in what the program prints.
    for output in [&added, &changed, &differ] {
        let printed = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!printed.contains("first pass") && !printed.contains("second pass"), "echoed a password: {printed}");
    }
}

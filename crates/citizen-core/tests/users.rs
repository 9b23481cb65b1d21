//! Logins managed by an administrator (issue 14, migrations/0005_users.sql):
//! each role tries each function; what an administrator does takes effect
//! (sign-in with the new password, not the old; disabled logins cannot sign
//! in; roles change) and is audited without the password; self-disable,
//! self-demotion, the last administrator, protected roles and
//! injection-looking names are refused. Roles are cluster-wide, so every
//! login a test creates carries that test's own prefix.

mod support;

use citizen_core::db::embedded::{Cluster, PORT, SUPERUSER};
use citizen_core::db::Database;
use citizen_core::error::{CoreError, Refusal};
use citizen_core::ops::users::{self, LoginRole};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use support::TestDb;

fn refusal<T: std::fmt::Debug>(result: Result<T, CoreError>) -> Refusal {
    match result {
        Err(CoreError::Refused { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// This test's prefix for login names (`u<pid>_<n>`).
fn prefix(db: &TestDb) -> String {
    db.name.replace("citizen_t", "u")
}

async fn must(result: Result<(), CoreError>, what: &str) {
    result.unwrap_or_else(|e| panic!("{what}: {e}"));
}

async fn audit(db: &TestDb, login: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT actor, action, details::text FROM meta.audit_log
         WHERE action LIKE 'login\\_%' AND details->>'login' = $1 ORDER BY audit_id",
    )
    .bind(login)
    .fetch_all(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn has_role(db: &TestDb, login: &str, role: &str) -> bool {
    sqlx::query_scalar("SELECT pg_has_role($1, $2, 'MEMBER')")
        .bind(login)
        .bind(role)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn only_administrators_may_call_the_login_functions() {
    let db = TestDb::new().await;
    let p = prefix(&db);
    let admin = db.login("test_admin").await;
    let target = format!("{p}_target");
    must(users::add_login(&admin, &target, LoginRole::Clerk, "first password").await, "admin adds").await;
    for login in ["clerk", "supervisor", "reader"] {
        let who = db.login(login).await;
        let other = format!("{p}_by_{login}");
        let attempts: Vec<(&str, Result<(), CoreError>)> = vec![
            ("list", users::list_logins(&who).await.map(|_| ())),
            ("add", users::add_login(&who, &other, LoginRole::Admin, "a password").await),
            ("disable", users::disable_login(&who, &target).await),
            ("enable", users::enable_login(&who, &target).await),
            ("role", users::set_login_role(&who, &target, LoginRole::Admin).await),
            ("password", users::set_login_password(&who, &target, "their password").await),
            // Themselves too: a clerk may not make itself an administrator.
            ("own role", users::set_login_role(&who, login, LoginRole::Admin).await),
        ];
        for (what, result) in attempts {
            assert_eq!(refusal(result), Refusal::PermissionDenied, "{login} {what}");
        }
        // Nor through the function that runs the role statements.
        let direct = sqlx::query("SELECT meta.login_ddl('role', $1, 'admin', NULL)")
            .bind(login)
            .execute(&who.pool)
            .await
            .map_err(|e| CoreError::db("probe", e));
        assert_eq!(refusal(direct), Refusal::PermissionDenied, "{login} login_ddl");
        assert!(!has_role(&db, login, "citizen_admin").await);
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(&other)
            .fetch_one(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!exists, "{login} created {other}");
    }
    // An administrator cannot call it directly either (only the owner role can).
    let direct = sqlx::query("SELECT meta.login_ddl('disable', $1, NULL, NULL)")
        .bind(&target)
        .execute(&admin.pool)
        .await
        .map_err(|e| CoreError::db("probe", e));
    assert_eq!(refusal(direct), Refusal::PermissionDenied);
    // Nobody can take on the manager role.
    let set_role = sqlx::query("SET ROLE citizen_login_manager").execute(&admin.pool).await;
    assert!(matches!(&set_role, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501")), "{set_role:?}");
    let listed = users::list_logins(&admin).await.unwrap_or_else(|e| panic!("{e}"));
    let row = listed.iter().find(|l| l.login == target).unwrap_or_else(|| panic!("{target} not listed"));
    assert_eq!((row.roles.as_slice(), row.can_login, row.is_demo), ([LoginRole::Clerk].as_slice(), true, false));
    let demo = listed.iter().find(|l| l.login == "clerk").unwrap_or_else(|| panic!("clerk not listed"));
    assert!(demo.is_demo);
    assert!(!listed.iter().any(|l| l.login == "postgres" || l.login.starts_with("citizen_")), "{listed:?}");
}

#[tokio::test]
async fn a_new_login_signs_in_with_its_password_and_a_reset_replaces_it() {
    let db = TestDb::new().await;
    let p = prefix(&db);
    let admin = db.login("test_admin").await;
    let login = format!("{p}_clerk");
    must(users::add_login(&admin, &login, LoginRole::Clerk, "initial secret 1").await, "add").await;
    let signed_in = db.login_with(&login, "initial secret 1").await.unwrap_or_else(|e| panic!("{e}"));
    let who: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(&signed_in.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(who, login);
    assert!(has_role(&db, &login, "citizen_clerk").await);
    assert!(!has_role(&db, &login, "citizen_supervisor").await);
    signed_in.pool.close().await;

    must(users::set_login_password(&admin, &login, "second secret 2").await, "password").await;
    assert!(db.login_with(&login, "second secret 2").await.is_ok(), "the new password works");
    assert!(db.login_with(&login, "initial secret 1").await.is_err(), "the old password no longer works");
    // Stored as a SCRAM verifier, never as the password.
    let stored: String = sqlx::query_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = $1")
        .bind(&login)
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stored.starts_with("SCRAM-SHA-256$4096:") && !stored.contains("second"), "{stored}");

    must(users::set_login_role(&admin, &login, LoginRole::Supervisor).await, "role").await;
    assert!(has_role(&db, &login, "citizen_supervisor").await);
    assert!(!has_role(&db, &login, "citizen_clerk").await);

    must(users::disable_login(&admin, &login).await, "disable").await;
    assert!(db.login_with(&login, "second secret 2").await.is_err(), "a disabled login cannot sign in");
    must(users::enable_login(&admin, &login).await, "enable").await;
    assert!(db.login_with(&login, "second secret 2").await.is_ok(), "enabled again");

    let entries = audit(&db, &login).await;
    let actions: Vec<&str> = entries.iter().map(|(_, action, _)| action.as_str()).collect();
    assert_eq!(actions, ["login_add", "login_password", "login_role", "login_disable", "login_enable"]);
    assert!(entries.iter().all(|(actor, ..)| actor == "test_admin"), "{entries:?}");
    assert!(entries[0].2.contains("\"role\": \"clerk\""), "{entries:?}");
    assert!(entries[2].2.contains("\"before\": [\"clerk\"]"), "{entries:?}");
    for (_, _, details) in &entries {
        assert!(!details.contains("secret") && !details.contains("SCRAM"), "a password in the audit log: {details}");
    }
    // The too-short password never reaches the server.
    assert!(matches!(
        users::set_login_password(&admin, &login, "short").await,
        Err(CoreError::PasswordTooShort { .. })
    ));
}

#[tokio::test]
async fn administrators_cannot_disable_or_demote_themselves_nor_touch_protected_roles() {
    let db = TestDb::new().await;
    let p = prefix(&db);
    let admin = db.login("test_admin").await;
    assert_eq!(refusal(users::disable_login(&admin, "test_admin").await), Refusal::LastAdmin);
    assert_eq!(refusal(users::set_login_role(&admin, "test_admin", LoginRole::Reader).await), Refusal::LastAdmin);
    // Keeping the role, or one's own password, is fine.
    must(users::set_login_role(&admin, "test_admin", LoginRole::Admin).await, "own role kept").await;
    // A login of this test only: the shared test cluster's test_admin keeps its password.
    let own = format!("{p}_admin");
    must(users::add_login(&admin, &own, LoginRole::Admin, "admin secret 1").await, "add admin").await;
    let own_db = db.login_with(&own, "admin secret 1").await.unwrap_or_else(|e| panic!("{e}"));
    must(users::set_login_password(&own_db, &own, "admin secret 2").await, "own password").await;
    assert!(db.login_with(&own, "admin secret 2").await.is_ok());

    // Roles Citizen DB does not manage.
    let plain = format!("{p}_plain");
    let superuser = format!("{p}_super");
    for statement in
        [format!("CREATE ROLE {plain} LOGIN"), format!("CREATE ROLE {superuser} LOGIN SUPERUSER IN ROLE citizen_clerk")]
    {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&db.admin.pool).await.unwrap_or_else(|e| panic!("{e}"));
    }
    for target in
        ["postgres", "citizen_owner", "citizen_admin", "citizen_login_manager", "pg_read_all_data", &plain, &superuser]
    {
        assert_eq!(refusal(users::disable_login(&admin, target).await), Refusal::LoginProtected, "disable {target}");
        assert_eq!(
            refusal(users::set_login_password(&admin, target, "takeover 123").await),
            Refusal::LoginProtected,
            "password {target}"
        );
    }
    assert_eq!(
        refusal(users::add_login(&admin, "citizen_x", LoginRole::Clerk, "a password").await),
        Refusal::LoginProtected
    );
    assert_eq!(refusal(users::add_login(&admin, "clerk", LoginRole::Clerk, "a password").await), Refusal::LoginExists);
    assert_eq!(refusal(users::disable_login(&admin, &format!("{p}_nobody")).await), Refusal::NotFound);

    // Names that are not plain identifiers never reach a statement.
    let long = "a".repeat(64);
    for name in [
        "x'; DROP ROLE clerk; --",
        "robert\"; ALTER ROLE clerk SUPERUSER; --",
        "Upper",
        "two words",
        "9lives",
        "",
        long.as_str(),
        "clerk\u{0}",
        "אבי",
    ] {
        let added = users::add_login(&admin, name, LoginRole::Admin, "a password").await;
        assert_eq!(refusal(added), Refusal::LoginInvalid, "add {name:?}");
        assert_eq!(refusal(users::disable_login(&admin, name).await), Refusal::LoginInvalid, "disable {name:?}");
    }
    assert!(db.login_with("clerk", "clerk").await.is_ok(), "clerk untouched");
    let clerk_super: bool = sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = 'clerk'")
        .fetch_one(&db.admin.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!clerk_super);
    // Only a SCRAM verifier is accepted as a password, never the password itself.
    let target = format!("{p}_target");
    must(users::add_login(&admin, &target, LoginRole::Reader, "a password").await, "add").await;
    for verifier in ["plain password", "md5abcdef", "SCRAM-SHA-256$4096:abc$def:ghi"] {
        let set = sqlx::query("SELECT meta.set_login_password($1, $2)")
            .bind(&target)
            .bind(verifier)
            .execute(&admin.pool)
            .await
            .map_err(|e| CoreError::db("probe", e));
        assert_eq!(refusal(set), Refusal::LoginInvalid, "{verifier}");
    }
    let bad_role = sqlx::query("SELECT meta.set_login_role($1, 'superuser')")
        .bind(&target)
        .execute(&admin.pool)
        .await
        .map_err(|e| CoreError::db("probe", e));
    assert_eq!(refusal(bad_role), Refusal::LoginInvalid);
    for role in [&plain, &superuser] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE {role}")))
            .execute(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The last enabled administrator, in a cluster of its own (the shared test
/// cluster always has several).
#[tokio::test]
async fn the_last_enabled_administrator_is_never_disabled_nor_demoted() {
    let dir = std::path::PathBuf::from(format!("/tmp/citizen-users-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cluster = Cluster::new(dir.clone()).unwrap_or_else(|e| panic!("{e}"));
    let attached = cluster.start_attached().unwrap_or_else(|e| panic!("{e}"));
    let password = cluster.superuser_password().unwrap_or_else(|e| panic!("{e}"));
    let base = PgConnectOptions::new()
        .host(&cluster.socket_dir().to_string_lossy())
        .port(PORT)
        .username(SUPERUSER)
        .password(&password)
        .database("postgres");
    let connect = |options: PgConnectOptions, user: &str| {
        let user = user.to_owned();
        async move {
            let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await;
            Database { pool: pool.unwrap_or_else(|e| panic!("{user}: {e}")), user }
        }
    };
    let superuser = connect(base.clone(), SUPERUSER).await;
    superuser.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    must(users::add_login(&superuser, "solo", LoginRole::Admin, "solo secret").await, "first admin").await;
    let solo = connect(base.clone().username("solo").password("solo secret"), "solo").await;
    assert_eq!(refusal(users::disable_login(&superuser, "solo").await), Refusal::LastAdmin);
    assert_eq!(refusal(users::set_login_role(&superuser, "solo", LoginRole::Clerk).await), Refusal::LastAdmin);
    assert_eq!(refusal(users::disable_login(&solo, "solo").await), Refusal::LastAdmin);
    // With a second one, the first may go; then the second is the last.
    must(users::add_login(&solo, "second", LoginRole::Admin, "second secret").await, "second admin").await;
    must(users::disable_login(&superuser, "solo").await, "disable solo").await;
    assert_eq!(refusal(users::set_login_role(&superuser, "second", LoginRole::Reader).await), Refusal::LastAdmin);
    // A disabled administrator does not count.
    must(users::set_login_role(&superuser, "solo", LoginRole::Clerk).await, "demote the disabled solo").await;
    solo.pool.close().await;
    superuser.pool.close().await;
    drop(attached);
    assert!(!dir.exists(), "the cluster directory is removed");
}

//! The desktop app's database side against a real PostgreSQL server: the lazy
//! session (offline, sign-in, roles through `pg_has_role`), the screens' reads
//! after a submit (the queue and a request's page, versions, the calendar, the
//! row-count history and the audit log), and their failure paths.

mod support;

use citizen_core::desktop::queries;
use citizen_core::desktop::session::DbSession;
use citizen_core::desktop::settings::Settings;
use citizen_core::desktop::views::{ApproveBlock, AuditAction, AuditFilter, DatabaseMode, LoginRole, RequestStatus};
use citizen_core::error::{CoreError, Refusal};
use citizen_core::pipeline;
use support::{submit, welfare_csv, TestDb};

fn settings(url: String, user: Option<&str>) -> Settings {
    Settings { database_url: Some(url), user: user.map(str::to_owned), ..Settings::default() }
}

#[tokio::test]
async fn an_unreachable_server_is_reported_offline() {
    let session = DbSession::default();
    let settings = settings("postgres://clerk:clerk@127.0.0.1:9/none?connect_timeout=1".to_owned(), None);
    let status = session.status(&settings).await;
    assert!(!status.connected);
    assert_eq!(status.mode, DatabaseMode::Server);
    assert_eq!(status.user, None);
    assert!(status.roles.is_empty());
    assert!(status.message.is_some_and(|m| !m.is_empty()));
    assert!(session.database(&settings).await.is_err());
}

#[tokio::test]
async fn sign_in_connects_as_the_login_with_its_roles() {
    let db = TestDb::new().await;
    let session = DbSession::default();

    let status = session.status(&settings(db.url("clerk"), None)).await;
    assert!(status.connected, "{status:?}");
    assert_eq!(status.user.as_deref(), Some("clerk"));
    assert!(status.roles.contains(&LoginRole::Clerk), "{status:?}");
    assert!(!status.roles.contains(&LoginRole::Supervisor), "{status:?}");
    assert!(status.demo_logins && !status.needs_sign_in, "the demo logins are marked: {status:?}");

    // The login typed at sign-in replaces the one in the URL.
    let as_supervisor = settings(db.url("clerk"), Some("supervisor"));
    let status = session.sign_in(&as_supervisor, "supervisor").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.user.as_deref(), Some("supervisor"));
    assert!(status.roles.contains(&LoginRole::Supervisor), "{status:?}");
    assert!(!status.roles.contains(&LoginRole::Clerk), "{status:?}");

    let both = session.sign_in(&settings(db.url("clerk"), Some("clerk_supervisor")), "clerk_supervisor").await;
    let both = both.unwrap_or_else(|e| panic!("{e}"));
    assert!(both.roles.contains(&LoginRole::Clerk) && both.roles.contains(&LoginRole::Supervisor));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_leaves_the_session_offline() {
    let db = TestDb::new().await;
    let session = DbSession::default();
    let wrong = settings(db.url("clerk"), Some("clerk"));
    let error = session.sign_in(&wrong, "not-the-password").await.expect_err("wrong password");
    assert_eq!(error.code(), "sign_in", "{error}");
    assert!(error.to_string().contains("sign-in as 'clerk' failed"), "{error}");
    let status = session.status(&wrong).await;
    assert!(!status.connected, "{status:?}");
    assert!(status.needs_sign_in, "the app asks for the login again: {status:?}");
    assert!(status.message.is_some());
}

#[tokio::test]
async fn the_embedded_default_starts_signed_out() {
    if std::env::var_os("DATABASE_URL").is_some() || std::env::var_os("CITIZEN_DB_USER").is_some() {
        return;
    }
    let session = DbSession::default();
    let status = session.status(&Settings::default()).await;
    assert!(!status.connected && status.needs_sign_in, "{status:?}");
    assert_eq!(status.user, None);
    assert!(!status.demo_logins);
    let error = session.database(&Settings::default()).await.expect_err("nobody signed in");
    assert_eq!(error.code(), "sign_in_required", "{error}");
}

#[tokio::test]
async fn submit_queue_detail_approve_versions_calendar_and_audit() {
    let db = TestDb::new().await;
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("welfare_2026-10.csv", &welfare_csv(25, |_| "פעיל"));

    let submitted = submit(&clerk, &db.contract("welfare_patients"), &file, "2026-10").await;
    assert_eq!(submitted.staged_rows, 25);

    let pending = queries::requests(&supervisor, Some(RequestStatus::Pending)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].request_id, pending[0].rows), (submitted.request_id, 25));
    assert_eq!(pending[0].submitted_by, "clerk");
    assert_eq!(pending[0].approve_block, None, "another supervisor may approve");
    let as_clerk = queries::requests(&clerk, Some(RequestStatus::Pending)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(as_clerk[0].approve_block, Some(ApproveBlock::MissingRole));
    assert!(queries::requests(&supervisor, Some(RequestStatus::Approved))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());

    let detail =
        queries::request_detail(&supervisor, &db.catalog, submitted.request_id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(detail.request.dataset, "welfare_patients");
    assert_eq!(detail.preview.added, 25);
    assert_eq!(detail.preview.removed, 0);
    assert!(detail.report.is_some_and(|r| r.rows == 25));
    assert!(detail.history.is_empty());
    assert_eq!(detail.request.approve_block, None);

    let approved =
        pipeline::approve(&supervisor, submitted.request_id, Some("ok")).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((approved.version, approved.rows), (1, 25));

    let versions =
        queries::versions(&supervisor, "welfare_patients", "2026-10").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(versions.len(), 1);
    assert!(versions[0].active);
    assert_eq!((versions[0].version, versions[0].rows), (1, 25));
    assert_eq!(versions[0].submitted_by, "clerk");
    assert_eq!(versions[0].approved_by.as_deref(), Some("supervisor"));

    let history = queries::row_count_history(&supervisor, "welfare_patients").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].period.as_str(), history[0].rows), ("2026-10", 25));

    let calendar = queries::calendar(&supervisor, &db.catalog, 3).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(calendar.periods.contains(&"2026-10".to_owned()), "{:?}", calendar.periods);
    assert_eq!(calendar.datasets.len(), db.catalog.contracts.len());
    assert_eq!(calendar.cells.len(), calendar.datasets.len() * calendar.periods.len());
    let cell = calendar
        .cells
        .iter()
        .find(|c| c.dataset == "welfare_patients" && c.period == "2026-10")
        .unwrap_or_else(|| panic!("no cell"));
    assert_eq!((cell.version, cell.rows), (Some(1), Some(25)));
    assert!(calendar.cells.iter().filter(|c| c.version.is_some()).count() == 1);

    let everything = queries::audit(&supervisor, &AuditFilter::default(), 100).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(everything.len() >= 2, "{everything:?}");
    assert!(everything.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let by_supervisor = AuditFilter { actor: Some("supervisor".to_owned()), ..AuditFilter::default() };
    let mine = queries::audit(&supervisor, &by_supervisor, 100).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!mine.is_empty() && mine.iter().all(|a| a.actor == "supervisor"));
    let nobody = AuditFilter { actor: Some("nobody".to_owned()), ..AuditFilter::default() };
    assert!(queries::audit(&supervisor, &nobody, 100).await.unwrap_or_else(|e| panic!("{e}")).is_empty());
    let approvals = AuditFilter { action: Some(AuditAction::Approve), ..AuditFilter::default() };
    let approved = queries::audit(&supervisor, &approvals, 100).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(approved.iter().map(|a| a.action).collect::<Vec<_>>(), vec![AuditAction::Approve], "{everything:?}");
    assert!(everything.iter().any(|a| a.action == AuditAction::Submit), "{everything:?}");
    // The typed facts the Activity sentences are built from, as the database wrote them.
    assert_eq!(approved[0].request_id, Some(submitted.request_id));
    assert_eq!((approved[0].facts.version, approved[0].facts.rows), (Some(1), Some(25)), "{approved:?}");
    let submit_entry =
        everything.iter().find(|a| a.action == AuditAction::Submit).unwrap_or_else(|| panic!("no submit entry"));
    assert_eq!(submit_entry.request_id, Some(submitted.request_id));
    assert_eq!(submit_entry.facts.rows, Some(25), "{submit_entry:?}");
    assert_eq!(submit_entry.facts.file.as_deref(), Some("welfare_2026-10.csv"), "{submit_entry:?}");
    let limited = queries::audit(&supervisor, &AuditFilter::default(), 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(limited.len(), 1);
}

#[tokio::test]
async fn failure_paths_are_clear_errors() {
    let db = TestDb::new().await;
    let (clerk, supervisor) = db.clerk_and_supervisor().await;

    match queries::request_detail(&supervisor, &db.catalog, 999_999).await {
        Err(CoreError::Refused { reason: Refusal::NotFound, .. }) => {}
        other => panic!("expected not found, got {other:?}"),
    }
    let file = db.write("welfare.csv", &welfare_csv(3, |_| "פעיל"));
    let contract = db.contract("welfare_patients");
    let bad_period = pipeline::submit(&clerk, &contract, &file, "Q9").await;
    assert_eq!(bad_period.map(|s| s.request_id).expect_err("bad period").code(), "bad_period");
    assert!(db.catalog.get("no_such_dataset").is_err(), "an unknown dataset has no contract to submit with");
    // A clerk cannot approve.
    let submitted = submit(&clerk, &contract, &file, "2026-11").await;
    let refused = pipeline::approve(&clerk, submitted.request_id, None).await;
    assert!(matches!(refused, Err(CoreError::Refused { .. })), "{refused:?}");
    let bad_filter = AuditFilter { from: Some("not a date".to_owned()), ..AuditFilter::default() };
    assert!(queries::audit(&supervisor, &bad_filter, 10).await.is_err());
}

//! Profiles kept with requests (issue 15, migration 0011): the submit records
//! its validation's profile, the supervisor compares it with the active
//! version's, and the database decides who writes and who reads it, tried
//! by logging in as each role.

mod support;

use citizen_core::error::{CoreError, Refusal};
use citizen_core::pipeline::profile::compare_profiles;
use citizen_core::pipeline::snapshot::Snapshot;
use citizen_core::report::profile::DriftReason;
use sqlx::AssertSqlSafe;
use support::{submit, submit_and_approve, welfare_csv, TestDb};

async fn sqlstate(pool: &sqlx::PgPool, sql: &str) -> Option<String> {
    match sqlx::query(AssertSqlSafe(sql.to_owned())).execute(pool).await {
        Ok(_) => None,
        Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
        Err(other) => panic!("{sql}: {other}"),
    }
}

#[tokio::test]
async fn a_submit_keeps_its_profile_and_the_supervisor_sees_the_drift_from_the_active_version() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let october = db.write("welfare_2026-10.csv", &welfare_csv(40, |_| "פעיל"));
    let first = submit_and_approve(&clerk, &supervisor, &contract, &october, "2026-10").await;
    let november = db.write("welfare_2026-11.csv", &welfare_csv(40, |i| if i % 4 == 0 { "ממתין" } else { "פעיל" }));
    let request = submit(&clerk, &contract, &november, "2026-11").await.request_id;

    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM meta.load_request WHERE profile IS NOT NULL AND (profile ->> 'rows')::int = 40",
    )
    .fetch_one(&supervisor.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored, 2, "both requests carry their profile");

    let compared = compare_profiles(&supervisor, request).await.unwrap_or_else(|e| panic!("{e}"));
    let Some(profile) = &compared.profile else { panic!("no profile") };
    let status = profile.columns.iter().find(|c| c.name == "welfare_status").unwrap_or_else(|| panic!("status"));
    assert_eq!((status.filled, status.distinct), (40, 2));
    let Some(baseline) = &compared.baseline else { panic!("no baseline") };
    assert_eq!((baseline.period.as_str(), baseline.version, baseline.request_id), ("2026-10", 1, first.0.request_id));
    let Some(drift) = &compared.drift else { panic!("no drift") };
    assert_eq!(drift.flagged, vec!["welfare_status"], "{drift:?}");
    let column = drift.columns.iter().find(|c| c.name == "welfare_status").unwrap_or_else(|| panic!("status"));
    assert_eq!(column.reasons, vec![DriftReason::NewValues]);
    assert_eq!(column.new_values.iter().map(|v| (v.value.as_str(), v.count)).collect::<Vec<_>>(), vec![("ממתין", 10)]);

    // The first request had nothing to compare with.
    let first_compared = compare_profiles(&supervisor, first.0.request_id).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(first_compared.profile.is_some());
    assert!(first_compared.baseline.is_none() && first_compared.drift.is_none());
}

#[tokio::test]
async fn only_the_submitting_clerk_records_a_profile_and_readers_never_see_one() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let clerk2 = db.login("clerk2").await;
    let supervisor = db.login("supervisor").await;
    let reader = db.login("reader").await;
    let file = db.write("w.csv", &welfare_csv(5, |_| "פעיל"));
    let request = submit(&clerk, &contract, &file, "2026-11").await.request_id;
    let forged = format!(
        "SELECT meta.record_profile({request}, '{{\"dataset\": \"welfare_patients\", \"rows\": 5, \"columns\": []}}')"
    );
    assert_eq!(sqlstate(&clerk2.pool, &forged).await.as_deref(), Some("CD011"), "another clerk's request");
    assert_eq!(sqlstate(&clerk.pool, &forged).await.as_deref(), Some("CD011"), "a sealed request");
    assert_eq!(sqlstate(&supervisor.pool, &forged).await.as_deref(), Some("42501"), "only clerks record profiles");
    assert_eq!(sqlstate(&reader.pool, &forged).await.as_deref(), Some("42501"));
    for login in [&clerk, &clerk2, &supervisor] {
        assert_eq!(
            sqlstate(&login.pool, &format!("UPDATE meta.load_request SET profile = NULL WHERE request_id = {request}"))
                .await
                .as_deref(),
            Some("42501"),
            "{}",
            login.user
        );
    }
    assert_eq!(sqlstate(&reader.pool, "SELECT profile FROM meta.load_request").await.as_deref(), Some("42501"));
    match compare_profiles(&reader, request).await {
        Err(CoreError::Refused { reason: Refusal::PermissionDenied, .. }) => {}
        other => panic!("a reader read a profile: {other:?}"),
    }
    let profile_rows: i64 = db
        .scalar_i64(&format!("SELECT (profile ->> 'rows')::bigint FROM meta.load_request WHERE request_id = {request}"))
        .await;
    assert_eq!(profile_rows, 5, "the stored profile is the submit's, not the forgery's");
}

#[tokio::test]
async fn a_profile_that_does_not_fit_its_request_is_refused_inside_the_submit() {
    let db = TestDb::new().await;
    let contract = db.contract("welfare_patients");
    let clerk = db.login("clerk").await;
    let file = db.write("w.csv", &welfare_csv(3, |_| "פעיל"));
    // A submit's transaction opened by hand, up to the profile.
    let mut tx = clerk.pool.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let file_id =
        citizen_core::pipeline::land::land_file(&mut tx, &file, "w.csv").await.unwrap_or_else(|e| panic!("{e}"));
    let sha = Snapshot::take(&file).unwrap_or_else(|e| panic!("{e}")).sha256.clone();
    let request: i64 =
        sqlx::query_scalar("SELECT meta.open_request('welfare_patients', '2026-11', $1, $2, $3, 3, 0, '{}', '[]')")
            .bind(file_id)
            .bind(&sha)
            .bind(&contract.sha256)
            .fetch_one(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    for (profile, why) in [
        (r#"{"dataset": "hamal", "rows": 3, "columns": []}"#, "another dataset"),
        (r#"{"dataset": "welfare_patients", "rows": 4, "columns": []}"#, "another row count"),
        (r#"{"dataset": "welfare_patients", "rows": 3}"#, "no columns"),
        (r#"[1, 2]"#, "not an object"),
    ] {
        let refused = sqlx::query("SAVEPOINT p").execute(&mut *tx).await.map(|_| ());
        assert!(refused.is_ok());
        let result = sqlx::query("SELECT meta.record_profile($1, $2::jsonb)")
            .bind(request)
            .bind(profile)
            .execute(&mut *tx)
            .await;
        let code = match result {
            Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
            other => panic!("{why}: {other:?}"),
        };
        assert_eq!(code.as_deref(), Some("CD011"), "{why}");
        sqlx::query("ROLLBACK TO SAVEPOINT p").execute(&mut *tx).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let fits = r#"{"dataset": "welfare_patients", "rows": 3, "columns": []}"#;
    for (attempt, want) in [(1, None), (2, Some("CD011"))] {
        let result =
            sqlx::query("SELECT meta.record_profile($1, $2::jsonb)").bind(request).bind(fits).execute(&mut *tx).await;
        let code = match result {
            Ok(_) => None,
            Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
            Err(other) => panic!("{other}"),
        };
        assert_eq!(code.as_deref(), want, "attempt {attempt}: recorded once, never replaced");
    }
    drop(tx);
}

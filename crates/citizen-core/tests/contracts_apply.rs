//! `contracts apply` against a real database: tables derived from the
//! contract, evolution by added columns without data loss, unsafe changes refused.

mod support;

use citizen_core::contract::Catalog;
use citizen_core::error::CoreError;
use citizen_core::ops::apply::{apply_contracts, Applied};
use citizen_core::pipeline;
use support::{id, submit_and_approve, TestDb};

const BASE: &str = "dataset: meals\ntitle: Meals\nperiod: monthly\ncolumns:\n  - name: citizen_id\n    type: israeli_id\n    required: true\n  - name: meals\n    type: integer\nkeys: [citizen_id]\nstrategy: rebuild\n";

fn write_contract(dir: &std::path::Path, body: &str) -> Catalog {
    std::fs::write(dir.join("meals.yaml"), body).unwrap_or_else(|e| panic!("{e}"));
    Catalog::load(dir).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn adding_a_column_evolves_the_tables_and_keeps_the_data() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = temporary.path().to_path_buf();
    let catalog = write_contract(&dir, BASE);
    let db = TestDb::with_contracts(&dir).await;
    let contract = catalog.get("meals").unwrap_or_else(|e| panic!("{e}")).clone();
    let (clerk, supervisor) = db.clerk_and_supervisor().await;
    let file = db.write("meals.csv", &format!("citizen_id,meals\n{},3\n{},5\n", id(1), id(2)));
    submit_and_approve(&clerk, &supervisor, &contract, &file, "2026-11").await;

    let evolved = write_contract(
        &dir,
        &BASE.replace("    type: integer\n", "    type: integer\n  - name: diet\n    type: text\n"),
    );
    let applied = apply_contracts(&db.admin, &evolved).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied, vec![Applied::Evolved { dataset: "meals".into(), added_columns: vec!["diet".into()] }]);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.meals_current WHERE diet IS NULL").await, 2, "old rows kept");
    let again = apply_contracts(&db.admin, &evolved).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, vec![Applied::Unchanged { dataset: "meals".into() }]);

    match pipeline::submit(&clerk, &contract, &file, "2026-12").await {
        Err(CoreError::Refused { .. }) => {}
        other => panic!("a file validated with the old contract must be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn unsafe_changes_are_refused_and_change_nothing() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = temporary.path().to_path_buf();
    write_contract(&dir, BASE);
    let db = TestDb::with_contracts(&dir).await;
    for body in [BASE.replace("type: integer", "type: date"), BASE.replace("strategy: rebuild", "strategy: merge")] {
        let catalog = write_contract(&dir, &body);
        match apply_contracts(&db.admin, &catalog).await {
            Err(CoreError::UnsafeContractChange { dataset, .. }) => assert_eq!(dataset, "meals"),
            other => panic!("expected an unsafe change refusal, got {other:?}"),
        }
    }
    let kind: String = sqlx::query_scalar(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'core.meals'::regclass AND attname = 'meals'",
    )
    .fetch_one(&db.admin.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kind, "bigint");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.contract").await, 1);
}

/// Runs statements as the superuser, panicking on failure.
async fn exec_all(db: &TestDb, statements: &[String]) {
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&db.admin.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// A database from before versions were partitions (0008): core.meals a plain
/// table holding a version, the contract registered with the statements that
/// copied staged rows. Applying the same contract converts it without losing a
/// row; later approvals publish the staged table itself, and one whose version
/// id the old sequence already gave copies its rows into a partition of its own.
#[tokio::test]
async fn a_core_table_from_before_partitioned_versions_is_converted_and_keeps_its_rows() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = temporary.path().to_path_buf();
    let catalog = write_contract(&dir, BASE);
    let db = TestDb::with_contracts(&dir).await;
    let contract = catalog.get("meals").unwrap_or_else(|e| panic!("{e}")).clone();
    let (clerk, supervisor) = db.clerk_and_supervisor().await;

    // The old layout, as the migrations and `contracts apply` before 0008 made it.
    exec_all(
        &db,
        &[
            "ALTER TABLE core.meals RENAME TO meals_partitioned_unused".to_owned(),
            "CREATE TABLE core.meals (version_id bigint NOT NULL, source_row bigint NOT NULL, citizen_id text NOT NULL, meals bigint)".to_owned(),
            "CREATE INDEX meals_version ON core.meals (version_id)".to_owned(),
            "ALTER TABLE core.meals OWNER TO citizen_owner".to_owned(),
            "GRANT SELECT ON core.meals TO citizen_reader".to_owned(),
            "CREATE OR REPLACE VIEW core.meals_current AS SELECT v.period, c.* FROM core.meals c
             JOIN meta.dataset_version v ON v.version_id = c.version_id AND v.is_active".to_owned(),
            "UPDATE meta.contract SET transform_sql = ARRAY['INSERT INTO core.meals (version_id, source_row, citizen_id, meals)
                 SELECT $2, source_row, citizen_id, meals FROM stage.meals WHERE request_id = $1'],
                 count_sql = 'SELECT count(*) FROM core.meals WHERE version_id = $2'
             WHERE dataset = 'meals' AND is_current".to_owned(),
        ],
    )
    .await;
    let file = |name: &str, ids: std::ops::Range<u32>| {
        let rows: String = ids.map(|n| format!("{},{n}\n", id(n))).collect();
        db.write(name, &format!("citizen_id,meals\n{rows}"))
    };
    let (_, old) = submit_and_approve(&clerk, &supervisor, &contract, &file("m1.csv", 1..4), "2026-10").await;
    assert_eq!(db.scalar_i64("SELECT count(*) FROM ONLY core.meals").await, 3, "copied by the old statements");

    let applied = apply_contracts(&db.admin, &catalog).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied, vec![Applied::Registered { dataset: "meals".into() }], "same contract, new statements");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_class WHERE oid = 'core.meals'::regclass AND relkind = 'p'").await,
        1
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.\"meals-legacy\"").await, 3, "the old rows, untouched");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM core.meals_current WHERE period = '2026-10'").await, 3);
    let again = apply_contracts(&db.admin, &catalog).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, vec![Applied::Unchanged { dataset: "meals".into() }]);

    // The next request's id already names a version (as the old sequence could).
    exec_all(
        &db,
        &["INSERT INTO meta.dataset_version (version_id, dataset, period, version, created_by)
           SELECT last_value + 1, 'meals', '2020-01', 1, 'old sequence' FROM meta.load_request_request_id_seq"
            .to_owned()],
    )
    .await;
    let (copied_request, copied) =
        submit_and_approve(&clerk, &supervisor, &contract, &file("m2.csv", 10..15), "2026-11").await;
    assert_ne!(copied.version_id, copied_request.request_id, "a taken id is not reused");
    assert_eq!(
        db.scalar_i64(&format!("SELECT count(*) FROM core.\"version-{}\"", copied.version_id)).await,
        5,
        "its rows copied into a partition of its own"
    );

    let (published_request, published) =
        submit_and_approve(&clerk, &supervisor, &contract, &file("m3.csv", 20..22), "2026-12").await;
    assert_eq!(published.version_id, published_request.request_id);
    let partition = format!("core.\"version-{}\"", published.version_id);
    assert_eq!(db.scalar_i64(&format!("SELECT count(*) FROM {partition}")).await, 2);
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM pg_class WHERE relname = 'request-{}'",
            published_request.request_id
        ))
        .await,
        0,
        "the staged table became the version's partition"
    );
    for (period, rows) in [("2026-10", 3), ("2026-11", 5), ("2026-12", 2)] {
        assert_eq!(
            db.scalar_i64(&format!("SELECT count(*) FROM core.meals_current WHERE period = '{period}'")).await,
            rows
        );
    }
    let reader = db.raw("reader").await;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM core.meals_current")
        .fetch_one(&reader)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen, 10, "readers see every active version through the views");
    pipeline::rollback(&supervisor, "meals", "2026-10", 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.rows, 3);
}

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

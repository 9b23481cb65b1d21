//! The Contracts screen's comparison (`ops::apply::plan_contracts`) against a
//! real database: every contract of the folder as new, changed or applied by
//! sha256 (and those only in the database), the columns a change would add,
//! the reason `contracts apply` would refuse one, nothing changed by asking;
//! administrators only. Then the desktop session applies them.

mod support;

use citizen_core::contract::Catalog;
use citizen_core::desktop::session::Session;
use citizen_core::desktop::settings::Settings;
use citizen_core::error::{CoreError, Refusal};
use citizen_core::ops::apply::{plan_contracts, ContractPlan, ContractState};
use support::TestDb;

const MEALS: &str = "dataset: meals\ntitle: Meals\nperiod: monthly\ncolumns:\n  - name: citizen_id\n    type: israeli_id\n    required: true\n  - name: meals\n    type: integer\nkeys: [citizen_id]\nstrategy: rebuild\n";
const BEDS: &str = "dataset: beds\ntitle: Beds\nperiod: monthly\ncolumns:\n  - name: citizen_id\n    type: israeli_id\n    required: true\nkeys: [citizen_id]\nstrategy: rebuild\n";
const LAMPS: &str = "dataset: lamps\ntitle: Lamps\nperiod: monthly\ncolumns:\n  - name: citizen_id\n    type: israeli_id\n    required: true\n  - name: watts\n    type: integer\nkeys: [citizen_id]\nstrategy: rebuild\n";

fn write(dir: &std::path::Path, files: &[(&str, &str)]) -> Catalog {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{e}")).flatten() {
        std::fs::remove_file(entry.path()).unwrap_or_else(|e| panic!("{e}"));
    }
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap_or_else(|e| panic!("{e}"));
    }
    Catalog::load(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn find<'a>(plans: &'a [ContractPlan], dataset: &str) -> &'a ContractPlan {
    plans.iter().find(|p| p.dataset == dataset).unwrap_or_else(|| panic!("{dataset} not in {plans:?}"))
}

#[tokio::test]
async fn the_folder_beside_the_database_with_the_reason_a_change_is_refused() {
    let temporary = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = temporary.path().to_path_buf();
    write(&dir, &[("meals.yaml", MEALS), ("beds.yaml", BEDS), ("lamps.yaml", LAMPS)]);
    let db = TestDb::with_contracts(&dir).await;
    let admin = db.login("test_admin").await;

    let same = Catalog::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let plans = plan_contracts(&admin, &same).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(plans.iter().all(|p| p.state == ContractState::Applied && p.refusal.is_none()), "{plans:?}");
    let meals = find(&plans, "meals");
    assert!(meals.applied_by.is_some());
    // An ISO 8601 instant the UI's Date can read.
    let at = meals.applied_at.clone().unwrap_or_default();
    assert!(at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");

    // meals gains a column, lamps changes a type, beds is gone, hats is new.
    let hats = BEDS.replace("dataset: beds", "dataset: hats").replace("Beds", "Hats");
    let changed = write(
        &dir,
        &[
            (
                "meals.yaml",
                &MEALS.replace("    type: integer\n", "    type: integer\n  - name: diet\n    type: text\n"),
            ),
            ("lamps.yaml", &LAMPS.replace("    type: integer\n", "    type: date\n")),
            ("hats.yaml", &hats),
        ],
    );
    let before = db.scalar_i64("SELECT count(*) FROM meta.contract").await;
    let plans = plan_contracts(&admin, &changed).await.unwrap_or_else(|e| panic!("{e}"));
    let meals = find(&plans, "meals");
    assert_eq!(
        (meals.state, meals.added_columns.clone(), meals.refusal.clone()),
        (ContractState::Changed, vec!["diet".to_owned()], None)
    );
    assert_ne!(meals.folder_sha256, meals.database_sha256);
    let lamps = find(&plans, "lamps");
    assert_eq!(lamps.state, ContractState::Changed);
    let reason = lamps.refusal.clone().unwrap_or_default();
    assert!(reason.contains("watts") && reason.contains("type"), "{reason}");
    let hats = find(&plans, "hats");
    assert_eq!((hats.state, hats.database_sha256.is_none(), hats.refusal.is_none()), (ContractState::New, true, true));
    let beds = find(&plans, "beds");
    assert_eq!((beds.state, beds.folder_sha256.is_none()), (ContractState::DatabaseOnly, true));

    // Asking changed nothing.
    assert_eq!(db.scalar_i64("SELECT count(*) FROM meta.contract").await, before);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_attribute WHERE attrelid = 'core.meals'::regclass AND attname = 'diet'")
            .await,
        0
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_class WHERE relname = 'hats'").await, 0);

    // Only administrators may ask.
    for login in ["clerk", "supervisor", "reader"] {
        let who = db.login(login).await;
        match plan_contracts(&who, &changed).await {
            Err(CoreError::Refused { reason: Refusal::PermissionDenied, .. }) => {}
            other => panic!("{login} planned contracts: {other:?}"),
        }
    }

    // The app applies what can be applied (lamps removed: its change is refused).
    write(
        &dir,
        &[
            (
                "meals.yaml",
                &MEALS.replace("    type: integer\n", "    type: integer\n  - name: diet\n    type: text\n"),
            ),
            ("hats.yaml", &find_body(&changed, "hats")),
        ],
    );
    let settings = Settings { database_url: Some(db.url("test_admin")), ..Settings::default() };
    let session = Session::new(dir.clone(), settings);
    session.apply_contracts().await.unwrap_or_else(|e| panic!("{e}"));
    let after = session.contract_plans().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&after, "meals").state, ContractState::Applied);
    assert_eq!(find(&after, "hats").state, ContractState::Applied);
    assert_eq!(find(&after, "lamps").state, ContractState::DatabaseOnly);
}

fn find_body(catalog: &Catalog, dataset: &str) -> String {
    catalog.get(dataset).unwrap_or_else(|e| panic!("{e}")).body.clone()
}

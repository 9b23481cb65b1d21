//! Column mapping and corrections before submit (issue 15), end to end in
//! the real window: a clerk opens a file whose "שם פרטי" header is written
//! "שם ראשון" and two of whose statuses the contract refuses, maps the header
//! (remembered for the dataset), corrects the two cells in the grid, submits;
//! a supervisor reads the mappings and corrections on the request page and
//! approves. The database then holds the corrected values in the staged and
//! the core rows, the file's original bytes in `land.file`, the corrections
//! with who made them, and the remembered alias.

mod common;

use common::{run, App, Run, R, WAIT};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const DATASET: &str = "welfare_patients";
const PERIOD: &str = "2026-10";
const FILE: &str = "welfare_renamed_2026-10.csv";
/// The status column of the sample (0-based) and the refused value written in it.
const STATUS: usize = 5;
const REFUSED: &str = "זמני";

/// A valid sample with the first-name header renamed and the status of file
/// rows 3 and 5 refused by the contract.
fn renamed_with_bad_cells(sample: &Path, out: &Path) -> R<Vec<u8>> {
    let text = std::fs::read_to_string(sample).map_err(|e| format!("reading {}: {e}", sample.display()))?;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header = lines.first_mut().ok_or("the sample is empty")?;
    if !header.contains("שם פרטי") {
        return Err(format!("the sample's header has no 'שם פרטי': {header}"));
    }
    *header = header.replacen("שם פרטי", "שם ראשון", 1);
    for file_row in [3usize, 5] {
        let line = lines.get_mut(file_row - 1).ok_or("the sample is too short")?;
        let mut cells: Vec<&str> = line.split(',').collect();
        let cell = cells.get_mut(STATUS).ok_or("a sample row without a status")?;
        *cell = REFUSED;
        *line = cells.join(",");
    }
    let bytes = (lines.join("\n") + "\n").into_bytes();
    std::fs::write(out, &bytes).map_err(|e| format!("writing {}: {e}", out.display()))?;
    Ok(bytes)
}

/// One value from SQL, run as the cluster's superuser (`RESULT:<value>:END`).
fn sql_value(run: &Run, sql: &str) -> R<String> {
    let out = run.env.psql(&format!("SELECT 'RESULT:' || ({sql})::text || ':END'"))?;
    let start = out.find("RESULT:").ok_or_else(|| format!("no result from `{sql}`: {out}"))? + "RESULT:".len();
    let end = out[start..].find(":END").ok_or_else(|| format!("no result from `{sql}`: {out}"))? + start;
    Ok(out[start..end].to_owned())
}

async fn card(app: &App, testid: &str) -> R<String> {
    let text = app.wait(testid).await?.text().await.map_err(|e| format!("text of {testid}: {e}"))?;
    Ok(text.chars().filter(char::is_ascii_digit).collect())
}

/// Waits until the invalid-rows card shows `count`.
async fn invalid_rows_become(app: &App, count: u32) -> R<()> {
    app.wait_js(
        &format!(
            "const c = document.querySelector('[data-testid=\"card-invalid\"] .stat-value'); return !!c && c.textContent.replace(/\\D/g, '') === '{count}';"
        ),
        &format!("the invalid-rows card to show {count}"),
        WAIT,
    )
    .await
}

/// Selects a cell of the grid, types its new value and corrects it.
async fn correct(app: &App, row: u32, value: &str) -> R<()> {
    let cell = format!("grid-cell-{row}-{STATUS}");
    app.js(
        &format!(
            "document.querySelector('[data-testid=\"{cell}\"]')?.scrollIntoView({{ block: 'center' }}); return true;"
        ),
        vec![],
    )
    .await?;
    app.click(&cell).await?;
    app.wait_js(
        &format!(
            "const w = document.querySelector('[data-testid=\"correction-where\"]'); return !!w && w.textContent.includes('{row}');"
        ),
        &format!("the correction bar to show row {row}"),
        WAIT,
    )
    .await?;
    app.set_value("correction-value", value).await?;
    app.click("btn-correct").await
}

async fn review(run: &mut Run) -> R<()> {
    run.step("prepare the database and a file with a renamed header and two bad cells");
    run.env.prepare_database()?;
    let sample = run.env.sample("welfare_review_sample.csv", 0, 3)?;
    let file = run.env.work.join("files").join(FILE);
    let original = renamed_with_bad_cells(&sample, &file)?;

    run.step("clerk opens the file: first_name missing, two statuses refused");
    run.launch(Some(("clerk", "clerk"))).await?;
    let app = run.app()?;
    app.drop_files(&[file.as_path()]).await?;
    app.wait_js(
        &format!(
            "const h = document.querySelector('.detail-head h2'); return !!h && h.textContent === {FILE:?} && !!document.querySelector('[data-testid=\"card-invalid\"]') && !!document.querySelector('[data-testid=\"grid\"]');"
        ),
        "the validated summary and grid of the renamed file",
        WAIT,
    )
    .await?;
    let invalid = card(app, "card-invalid").await?;
    if invalid != "2" {
        return Err(format!("card-invalid shows {invalid}, the file has 2 refused statuses"));
    }
    let open = app.js("return document.querySelector('[data-testid=\"mapping\"]').open;", vec![]).await?;
    if open != json!(true) {
        return Err("the column mapping is not opened for a file with an unmapped header".into());
    }
    run.shot("clerk-review-1-unmapped").await?;

    run.step("clerk maps 'שם ראשון' to first_name, remembered for the dataset");
    let app = run.app()?;
    let index = app
        .js(
            "const rows = [...document.querySelectorAll('[data-testid=\"mapping\"] tbody tr')]; return rows.findIndex((r) => r.cells[0].textContent === 'שם ראשון');",
            vec![],
        )
        .await?;
    let index = index.as_i64().filter(|i| *i >= 0).ok_or(format!("no mapping row for 'שם ראשון': {index}"))?;
    app.click(&format!("remember-{index}")).await?;
    app.set_value(&format!("map-{index}"), "first_name").await?;
    app.wait_js(
        &format!(
            "const s = document.querySelector('[data-testid=\"map-{index}\"]'); return !!s && s.value === 'first_name' && !document.querySelector('[data-testid=\"mapping\"] tr.needs-mapping');"
        ),
        "the new validation with 'שם ראשון' mapped to first_name",
        WAIT,
    )
    .await?;
    invalid_rows_become(app, 2).await?;

    run.step("clerk corrects the two statuses in the grid");
    correct(app, 3, "פעיל").await?;
    invalid_rows_become(app, 1).await?;
    correct(app, 5, "סגור").await?;
    invalid_rows_become(app, 0).await?;
    app.wait("correction-3-welfare_status").await?;
    app.wait("correction-5-welfare_status").await?;
    let period = app.wait(&format!("period-{FILE}")).await?.prop("value").await.map_err(|e| e.to_string())?;
    if period.as_deref() != Some(PERIOD) {
        app.set_value(&format!("period-{FILE}"), PERIOD).await?;
    }
    app.wait_css("[data-testid=\"btn-submit\"]:not([disabled])", "an enabled btn-submit after the corrections", WAIT)
        .await?;
    run.shot("clerk-review-2-corrected").await?;

    run.step("clerk submits");
    let app = run.app()?;
    let before = app.notice_list().await;
    app.click("btn-submit").await?;
    app.wait_new_notice(&before, "success", "the 'submitted' notice", WAIT).await?;
    let request_id =
        sql_value(run, &format!("SELECT max(request_id) FROM meta.load_request WHERE dataset = '{DATASET}'"))?;

    run.step("the database: staged rows corrected, land.file the original bytes, corrections and alias recorded");
    let staged = sql_value(
        run,
        &format!(
            "SELECT string_agg(source_row || '=' || welfare_status, ' ' ORDER BY source_row) FROM stage.{DATASET} WHERE request_id = {request_id} AND source_row IN (3, 5)"
        ),
    )?;
    if staged != "3=פעיל 5=סגור" {
        return Err(format!("the staged statuses of rows 3 and 5 are {staged:?}"));
    }
    let first_names = sql_value(
        run,
        &format!(
            "SELECT count(*) FILTER (WHERE first_name IS NULL) FROM stage.{DATASET} WHERE request_id = {request_id}"
        ),
    )?;
    if first_names != "0" {
        return Err(format!("{first_names} staged rows have no first_name: the mapped column was not staged"));
    }
    let hex: String = original.iter().map(|b| format!("{b:02x}")).collect();
    let same = sql_value(
        run,
        &format!(
            "SELECT f.content = decode('{hex}', 'hex') FROM land.file f JOIN meta.load_request r USING (file_id) WHERE r.request_id = {request_id}"
        ),
    )?;
    if same != "true" {
        return Err("land.file does not hold the bytes of the file as it arrived".into());
    }
    let corrections = sql_value(
        run,
        &format!(
            "SELECT string_agg(source_row || ':' || column_name || ':' || old_value || '>' || new_value || ':' || made_by, ' ' ORDER BY source_row) FROM meta.request_correction WHERE request_id = {request_id}"
        ),
    )?;
    let expected = format!("3:welfare_status:{REFUSED}>פעיל:clerk 5:welfare_status:{REFUSED}>סגור:clerk");
    if corrections != expected {
        return Err(format!("the recorded corrections are {corrections:?}, expected {expected:?}"));
    }
    let alias = sql_value(
        run,
        &format!("SELECT header || '>' || column_name || ':' || created_by FROM meta.column_alias WHERE dataset = '{DATASET}'"),
    )?;
    if alias != "שם ראשון>first_name:clerk" {
        return Err(format!("the remembered alias is {alias:?}"));
    }

    run.step("supervisor reads the mappings and corrections, then approves");
    run.launch(Some(("supervisor", "supervisor"))).await?;
    let app = run.app()?;
    app.nav("approvals").await?;
    app.click_css(&format!("[data-testid=\"request-row-{request_id}\"] td"), &format!("request-row-{request_id}"))
        .await?;
    app.wait("review-mappings").await?;
    let listed = app
        .js(
            "const t = (id) => document.querySelector(`[data-testid=\"${id}\"]`)?.textContent ?? ''; return [t('review-mappings'), t('review-correction-3-welfare_status'), t('review-correction-5-welfare_status')];",
            vec![],
        )
        .await?;
    let listed: Vec<String> = listed
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    let ok = listed.len() == 3
        && listed[0].contains("שם ראשון")
        && listed[0].contains("first_name")
        && listed[1].contains(REFUSED)
        && listed[1].contains("פעיל")
        && listed[1].contains("clerk")
        && listed[2].contains("סגור");
    if !ok {
        return Err(format!("the request page does not list the mapping and both corrections: {listed:?}"));
    }
    run.shot("supervisor-review-3-request").await?;
    let before = app.notice_list().await;
    app.click("btn-approve").await?;
    app.wait_new_notice(&before, "success", "the 'approved' notice", Duration::from_secs(60)).await?;

    run.step("the database: the core rows carry the corrected values");
    let core = sql_value(
        run,
        &format!(
            "SELECT count(*) || ' ' || count(*) FILTER (WHERE welfare_status = '{REFUSED}') || ' ' || count(*) FILTER (WHERE first_name IS NULL) FROM core.{DATASET}_current WHERE period = '{PERIOD}'"
        ),
    )?;
    if core != "200 0 0" {
        return Err(format!("core rows (all, refused status, no first name): {core}, expected 200 0 0"));
    }
    let loaded_statuses = sql_value(
        run,
        &format!(
            "SELECT string_agg(c.welfare_status, ' ' ORDER BY s.source_row) FROM (VALUES (3), (5)) AS s(source_row) JOIN core.{DATASET}_current c ON c.source_row = s.source_row AND c.period = '{PERIOD}'"
        ),
    )?;
    if loaded_statuses != "פעיל סגור" {
        return Err(format!("the loaded statuses of rows 3 and 5 are {loaded_statuses:?}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_maps_a_renamed_header_corrects_two_cells_and_the_corrected_file_loads() {
    run("review", |r| Box::pin(review(r))).await;
}

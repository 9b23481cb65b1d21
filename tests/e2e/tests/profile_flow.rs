//! A profile of each load, and drift (issue 15), end to end in the real
//! window: September is loaded; October's file arrives with its second phone
//! column empty. The Load screen's Profile panel shows that file's profile;
//! the supervisor's request page shows October's profile beside September's,
//! the `phone_2` column highlighted as drifted (its share of empty cells)
//! with the chart of empty cells.

mod common;

use common::{run, App, Run, R, WAIT};
use std::path::Path;

const DATASET: &str = "welfare_patients";
/// The second phone column of the sample (0-based), emptied in October's file.
const PHONE_2: usize = 10;

/// The sample with every `phone_2` cell emptied.
fn without_phone_2(sample: &Path, out: &Path) -> R<()> {
    let text = std::fs::read_to_string(sample).map_err(|e| format!("reading {}: {e}", sample.display()))?;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.first().is_none_or(|h| h.split(',').nth(PHONE_2) != Some("טלפון 2")) {
        return Err(format!("the sample's column {PHONE_2} is not 'טלפון 2': {:?}", lines.first()));
    }
    for line in lines.iter_mut().skip(1) {
        let mut cells: Vec<&str> = line.split(',').collect();
        let cell = cells.get_mut(PHONE_2).ok_or("a sample row without a second phone")?;
        *cell = "";
        *line = cells.join(",");
    }
    std::fs::write(out, lines.join("\n") + "\n").map_err(|e| format!("writing {}: {e}", out.display()))
}

/// The newest pending request's id, from the CLI.
fn pending_request(run: &Run) -> R<u64> {
    let out = run.env.cli(Some(("supervisor", "supervisor")), &["requests", "--status", "pending"])?;
    out.lines()
        .filter(|l| l.contains(DATASET))
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .max()
        .ok_or_else(|| format!("no pending request in `citizen-db requests`:\n{out}"))
}

async fn texts(app: &App, script: &str) -> R<Vec<String>> {
    let value = app.js(script, vec![]).await?;
    Ok(value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default())
}

async fn profile(run: &mut Run) -> R<()> {
    run.step("prepare: September loaded, October's file without its second phones submitted");
    run.env.prepare_database()?;
    let september = run.env.sample("welfare_2026-09.csv", 0, 1)?;
    run.env.cli(
        Some(("clerk", "clerk")),
        &["submit", september.to_str().ok_or("path")?, "--dataset", DATASET, "--period", "2026-09"],
    )?;
    let first = pending_request(run)?;
    run.env.cli(Some(("supervisor2", "supervisor2")), &["approve", &first.to_string()])?;
    let sample = run.env.sample("welfare_sample_2026-10.csv", 0, 2)?;
    let october = sample.with_file_name("welfare_2026-10.csv");
    without_phone_2(&sample, &october)?;
    run.env.cli(
        Some(("clerk", "clerk")),
        &["submit", october.to_str().ok_or("path")?, "--dataset", DATASET, "--period", "2026-10"],
    )?;
    let request_id = pending_request(run)?;

    run.step("the Load screen's Profile panel shows the file's profile");
    run.launch(Some(("supervisor", "supervisor"))).await?;
    let app = run.app()?;
    app.drop_files(&[october.as_path()]).await?;
    let name = "welfare_2026-10.csv";
    let row = app.wait(&format!("file-row-{name}")).await?;
    if row.attr("aria-selected").await.ok().flatten().as_deref() != Some("true") {
        app.click_css(&format!("[data-testid=\"file-row-{name}\"] td.file-name"), &format!("file-row-{name}")).await?;
    }
    app.wait_js(
        &format!("const h = document.querySelector('.detail-head h2'); return !!h && h.textContent === {name:?} && !!document.querySelector('[data-testid=\"profile\"]');"),
        "the validated file with its Profile panel",
        WAIT,
    )
    .await?;
    app.js("const d = document.querySelector('[data-testid=\"profile\"]'); d.open = true; d.scrollIntoView(); return true;", vec![])
        .await?;
    let row = app
        .wait_css("[data-testid=\"profile-table\"] tr[data-column=\"phone_2\"]", "phone_2 in the profile table", WAIT)
        .await?;
    let text = row.text().await.map_err(|e| format!("text of the phone_2 row: {e}"))?;
    if !text.contains("100%") {
        return Err(format!("the profile's phone_2 row does not say every cell is empty: {text:?}"));
    }
    app.js(
        "document.querySelector('[data-testid=\"profile\"]').scrollIntoView({block: 'start'}); return true;",
        vec![],
    )
    .await?;
    run.shot("load-profile").await?;

    run.step("supervisor opens the request: phone_2 drifted, beside September");
    app.nav("approvals").await?;
    app.click_css(&format!("[data-testid=\"request-row-{request_id}\"] td"), &format!("request-row-{request_id}"))
        .await?;
    app.wait_css(
        "[data-testid=\"drift-table\"] tr.drifted[data-column=\"phone_2\"]",
        "phone_2 highlighted as drifted in the drift table",
        WAIT,
    )
    .await?;
    let shown = texts(
        app,
        "const q = (s) => document.querySelector(s)?.textContent ?? ''; return [q('[data-testid=\"drift-flagged\"]'), q('[data-testid=\"drift\"] p.muted'), String(document.querySelectorAll('[data-testid=\"drift\"] svg rect.chart-bar').length), q('[data-testid=\"drift-table\"] tr.drifted[data-column=\"phone_2\"]'), q('[data-testid=\"drift-table\"] tbody tr:first-child')];",
    )
    .await?;
    let ok = shown.len() == 5
        && shown[0].contains("phone_2")
        && shown[1].contains("2026-09")
        && shown[2].parse::<u32>().is_ok_and(|bars| bars >= 13 * 2)
        && shown[3].contains("100%")
        && shown[4].contains("phone_2");
    if !ok {
        return Err(format!(
            "the request page does not show phone_2's drift (flagged, baseline, chart bars, its row, first row): {shown:?}"
        ));
    }
    let calm = texts(
        app,
        "return [...document.querySelectorAll('[data-testid=\"drift-table\"] tr.drifted')].map((r) => r.getAttribute('data-column'));",
    )
    .await?;
    if calm.iter().any(|c| c == "citizen_id" || c == "welfare_status") {
        return Err(format!("columns that did not drift are flagged: {calm:?}"));
    }
    app.js("document.querySelector('[data-testid=\"drift\"]').scrollIntoView({block: 'start'}); return true;", vec![])
        .await?;
    run.shot("supervisor-drift").await?;

    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_sees_which_columns_drifted_and_the_clerk_the_profile() {
    run("profile", |r| Box::pin(profile(r))).await;
}

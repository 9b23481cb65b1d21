//! The app's main flows, end to end in the real window:
//!
//! 1. a clerk loads a file with errors, sees the offending cells, exports the
//!    error report (native save dialog), loads the corrected file and submits it;
//! 2. a supervisor (the app restarted as supervisor) approves it and the new
//!    version is active on the Versions screen; screenshots of every screen in
//!    Hebrew and English on the way;
//! 3. (own test) approving one's own request is not offered;
//! 4. a supervisor rolls back to the earlier version, through the confirmation.
//!
//! On the way (issue 15): the Approvals item counts the pending request, the
//! Activity screen says the submit as a sentence with the dataset's title, and
//! the grid shows its date column and its last column whole, in Hebrew (RTL)
//! and English (LTR).

mod common;

use common::{run, App, Run, R, WAIT};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const DATASET: &str = "welfare_patients";
const PERIOD: &str = "2026-09";
const ERRORS_FILE: &str = "welfare_errors_2026-09.csv";
const FIXED_FILE: &str = "welfare_2026-09.csv";

/// Opens a file through the drop zone and waits until it is validated and selected.
async fn open_file(app: &App, path: &Path) -> R<()> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or("file name")?.to_owned();
    app.drop_files(&[path]).await?;
    let row = app.wait(&format!("file-row-{name}")).await?;
    if row.attr("aria-selected").await.ok().flatten().as_deref() != Some("true") {
        app.click_css(&format!("[data-testid=\"file-row-{name}\"] td.file-name"), &format!("file-row-{name}")).await?;
    }
    // Validation done: the summary cards and the grid are shown for it.
    app.wait_js(
        &format!(
            "const h = document.querySelector('.detail-head h2'); return !!h && h.textContent === {name:?} && !!document.querySelector('[data-testid=\"card-invalid\"]') && !!document.querySelector('[data-testid=\"grid\"]');"
        ),
        &format!("the validated summary and grid of {name}"),
        WAIT,
    )
    .await
}

async fn text(app: &App, testid: &str) -> R<String> {
    app.wait(testid).await?.text().await.map_err(|e| format!("text of {testid}: {e}"))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Answers the native (GTK) save dialog the way a user does: type the full
/// path into its name field and press Enter.
fn answer_save_dialog(run: &Run, path: &Path) -> R<()> {
    let window = run.env.xdotool(&["search", "--sync", "--onlyvisible", "--name", "^Save File$"], 15)?;
    let window = window.lines().next().ok_or("no Save File window id")?.trim().to_owned();
    run.env.xdotool(&["windowfocus", "--sync", &window], 10)?;
    std::thread::sleep(Duration::from_millis(300));
    run.env.xdotool(&["key", "--clearmodifiers", "ctrl+a"], 5)?;
    run.env.xdotool(&["type", "--delay", "5", path.to_str().ok_or("path")?], 20)?;
    std::thread::sleep(Duration::from_millis(200));
    run.env.xdotool(&["key", "Return"], 5)?;
    Ok(())
}

/// Screenshots of every screen, in the current language (`tag`).
async fn screen_tour(run: &Run, tag: &str, request_id: u64, errors_file: &Path) -> R<()> {
    let app = run.app()?;
    app.nav("load").await?;
    // "Settings saved." (said when the language was chosen) stays with Settings.
    let said = app.notice_list().await;
    if said.iter().any(|n| n.contains("Settings saved.") || n.contains("ההגדרות נשמרו.")) {
        return Err(format!("{tag}: a notice of the Settings screen is still shown on Load: {said:?}"));
    }
    app.wait(&format!("file-row-{FIXED_FILE}")).await?;
    // The file with errors, so the shot shows highlighted cells and the chart
    // (opened in this session when the supervisor has not opened it yet).
    let present = app
        .js(&format!("return !!document.querySelector('[data-testid=\"file-row-{ERRORS_FILE}\"]');"), vec![])
        .await?;
    if present == json!(true) {
        app.click_css(
            &format!("[data-testid=\"file-row-{ERRORS_FILE}\"] td.file-name"),
            &format!("file-row-{ERRORS_FILE}"),
        )
        .await?;
    } else {
        open_file(app, errors_file).await?;
    }
    app.wait_js(
        &format!(
            "const h = document.querySelector('.detail-head h2'); return !!h && h.textContent === {ERRORS_FILE:?} && !!document.querySelector('[data-testid=\"card-invalid\"]') && !!document.querySelector('[data-testid=\"grid\"]');"
        ),
        &format!("the summary and grid of {ERRORS_FILE}"),
        WAIT,
    )
    .await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-1-load")).await?;
    grid_columns_whole(run, tag).await?;

    app.nav("approvals").await?;
    app.wait(&format!("request-row-{request_id}")).await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-2-approvals")).await?;
    app.click_css(&format!("[data-testid=\"request-row-{request_id}\"] td"), &format!("request-row-{request_id}"))
        .await?;
    app.wait("btn-approve").await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-3-request")).await?;

    app.nav("versions").await?;
    app.wait(&format!("cell-{DATASET}-{PERIOD}")).await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-4-versions")).await?;

    app.nav("activity").await?;
    app.wait_css("main table tbody tr", "the activity log's rows", WAIT).await?;
    activity_says_the_submit(app, tag, request_id).await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-5-activity")).await?;

    app.nav("settings").await?;
    app.wait("lang-select").await?;
    scroll_to_top(app).await?;
    run.shot(&format!("{tag}-6-settings")).await?;
    Ok(())
}

/// The grid of the file with errors, scrolled to its far end (left in Hebrew,
/// right in English): the last column's head and cells lie whole inside the
/// grid, and the birth-date cells, brought into view as a user scrolls to
/// them, show whole dates (no `/1962` cut from `12/03/1962`).
async fn grid_columns_whole(run: &Run, tag: &str) -> R<()> {
    let app = run.app()?;
    let script = r#"
        const vp = document.querySelector('[data-testid="grid"] .grid-viewport');
        if (!vp) return 'no grid';
        const heads = [...vp.querySelectorAll('.grid-head')];
        const last = heads.length - 1;
        const date = heads.findIndex((h) => h.dataset.column === 'birth_date');
        if (last < 0 || date < 0) return 'no columns, or no birth_date column: ' + heads.map((h) => h.dataset.column).join(',');
        const rtl = getComputedStyle(vp).direction === 'rtl';
        const box = vp.getBoundingClientRect();
        const whole = (el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && el.scrollWidth <= el.clientWidth;
        };
        const cells = (i) => [...vp.querySelectorAll('[data-testid^="grid-cell-"]')].filter((c) => c.dataset.testid.endsWith('-' + i));
        const problems = [];
        vp.scrollIntoView({ block: 'start' });
        vp.scrollLeft = (rtl ? -1 : 1) * vp.scrollWidth;
        if (vp.scrollWidth > vp.clientWidth && vp.scrollLeft === 0) problems.push('the grid does not scroll sideways');
        if (!whole(heads[last])) problems.push('last head cut: ' + JSON.stringify(heads[last].getBoundingClientRect()) + ' in ' + JSON.stringify(box));
        const lastCells = cells(last).filter((c) => c.textContent !== '');
        if (lastCells.length === 0) problems.push('no filled cell in the last column');
        for (const c of lastCells) if (!whole(c)) { problems.push('last column cut: ' + c.textContent); break; }
        const dates = cells(date).filter((c) => c.textContent !== '');
        if (dates.length === 0) problems.push('no birth_date cells');
        dates[0]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        for (const c of dates) {
            if (!/^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/.test(c.textContent)) continue;
            if (!whole(c)) { problems.push('date cut: ' + c.textContent + ' ' + JSON.stringify(c.getBoundingClientRect()) + ' sw=' + c.scrollWidth + ' cw=' + c.clientWidth); break; }
        }
        if (!dates.some((c) => /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/.test(c.textContent))) problems.push('no date among: ' + dates.slice(0, 3).map((c) => c.textContent).join(' | '));
        return problems.length ? problems.join('; ') : true;
    "#;
    // The grid draws the first page after validation: try for a few seconds.
    let start = std::time::Instant::now();
    loop {
        let result = app.js(script, vec![]).await?;
        if result == json!(true) {
            break;
        }
        if start.elapsed() > WAIT {
            run.shot(&format!("{tag}-1-load-grid-end")).await?;
            return Err(format!("{tag}: the grid's columns are not whole: {result}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The far end, as the user sees it.
    app.js(
        "const vp = document.querySelector('[data-testid=\"grid\"] .grid-viewport'); vp.scrollIntoView({ block: 'start' }); vp.scrollLeft = (getComputedStyle(vp).direction === 'rtl' ? -1 : 1) * vp.scrollWidth; return true;",
        vec![],
    )
    .await?;
    run.shot(&format!("{tag}-1-load-grid-end")).await?;
    Ok(())
}

/// The Activity screen says the clerk's submit as a sentence, with the
/// dataset's title in the UI's language, the code on hover, the raw details
/// closed until asked.
async fn activity_says_the_submit(app: &App, tag: &str, request_id: u64) -> R<()> {
    let (title, sentence) = if tag == "he" {
        ("מטופלי רווחה", format!("בקשה {request_id} הוגשה על ידי clerk: מטופלי רווחה {PERIOD}, 200 שורות"))
    } else {
        ("Welfare patients", format!("clerk submitted request {request_id}: Welfare patients {PERIOD}, 200 rows"))
    };
    let script = format!(
        r#"
        const cells = [...document.querySelectorAll('[data-testid^="audit-sentence-"][data-action="submit"]')];
        const plain = (s) => s.replace(/[\u2068\u2069]/g, '');
        const cell = cells.find((c) => plain(c.textContent) === {sentence:?});
        if (!cell) return 'no such sentence; the submit sentences: ' + cells.map((c) => plain(c.textContent)).join(' | ');
        const name = cell.querySelector('.dataset-title');
        if (!name || plain(name.textContent) !== {title:?} || name.title !== {DATASET:?}) return 'the title is not {title} with the code on hover';
        const details = cell.closest('tr').querySelector('details');
        if (!details || details.open) return 'the raw details are not a closed <details>';
        return true;
    "#
    );
    let result = app.js(&script, vec![]).await?;
    if result != json!(true) {
        return Err(format!("{tag} Activity: {result}"));
    }
    Ok(())
}

/// Scrolls the window and every scrolled container back to the top, so a
/// screenshot shows a screen as it opens.
async fn scroll_to_top(app: &App) -> R<()> {
    app.js(
        "window.scrollTo(0, 0); for (const e of document.querySelectorAll('*')) { if (e.scrollTop > 0 && !e.closest('[data-testid=\"grid\"]')) e.scrollTop = 0; } return true;",
        vec![],
    )
    .await
    .map(|_| ())
}

async fn set_language(app: &App, lang: &str) -> R<()> {
    app.nav("settings").await?;
    let select = app.wait("lang-select").await?;
    select.select_by_value(lang).await.map_err(|e| format!("choosing {lang} in lang-select: {e}"))?;
    app.wait_js(
        &format!(
            "return document.documentElement.lang === '{lang}' && document.documentElement.dir === '{}';",
            if lang == "he" { "rtl" } else { "ltr" }
        ),
        &format!("the UI to switch to {lang}"),
        WAIT,
    )
    .await
}

/// The id of the newest request with `status` for the period, from the CLI.
fn request_id_from_cli(run: &Run, status: &str) -> R<u64> {
    let out = run.env.cli(Some(("supervisor", "supervisor")), &["requests"])?;
    out.lines()
        .filter(|l| l.contains(DATASET) && l.contains(PERIOD) && l.contains(status))
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .max()
        .ok_or_else(|| format!("no {status} request for {DATASET} {PERIOD} in `citizen-db requests`:\n{out}"))
}

async fn flows(run: &mut Run) -> R<()> {
    run.step("prepare the database and the sample files");
    run.env.prepare_database()?;
    let errors_file = run.env.sample(ERRORS_FILE, 2, 1)?;
    let fixed_file = run.env.sample(FIXED_FILE, 0, 1)?;

    // ---- 1. clerk: errors, export, corrected file, submit ----------------------
    run.step("1. clerk opens the file with errors");
    run.launch(Some(("clerk", "clerk"))).await?;
    let app = run.app()?;
    open_file(app, &errors_file).await?;
    let invalid = digits(&text(app, "card-invalid").await?);
    if invalid != "20" {
        return Err(format!("card-invalid shows {invalid:?} invalid rows, the sample has 20"));
    }
    // Only the rows with issues, as a user narrows the grid down.
    app.click("filter-only-issues").await?;
    app.js("document.querySelector('[data-testid=\"grid\"]').scrollIntoView({block: 'start'}); return true;", vec![])
        .await?;
    let highlighted = app
        .wait_css(
            "[data-testid^=\"grid-cell-\"].cell-error[aria-invalid=\"true\"]",
            "a highlighted (cell-error) grid cell",
            WAIT,
        )
        .await;
    if let Err(e) = highlighted {
        let cells = app.js("return document.querySelectorAll('[data-testid^=\"grid-cell-\"]').length;", vec![]).await?;
        return Err(format!("{e} ({cells} grid cells rendered)"));
    }
    let submit = app.wait("btn-submit").await?;
    if submit.attr("disabled").await.map_err(|e| e.to_string())?.is_none() {
        return Err("btn-submit is enabled for a file with errors".into());
    }
    run.shot("clerk-load-errors").await?;

    run.step("1. clerk exports the error report through the save dialog");
    let report = run.env.work.join("exports/welfare-errors-report.xlsx");
    let before = app.notice_list().await;
    app.click("btn-export").await?;
    answer_save_dialog(run, &report)?;
    let app = run.app()?;
    let start = std::time::Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&report) {
            if bytes.len() > 4 && bytes.starts_with(b"PK\x03\x04") {
                break;
            }
        }
        if start.elapsed() > WAIT {
            let head =
                std::fs::read(&report).map(|b| format!("{:?}", &b[..b.len().min(8)])).unwrap_or_else(|e| e.to_string());
            return Err(format!(
                "the error report {} is not a valid xlsx (zip) after {} s: {head}; notices: {}",
                report.display(),
                WAIT.as_secs(),
                app.notices().await
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_new_notice(&before, "success", "the 'exported' notice", WAIT).await?;

    run.step("1. clerk opens the corrected file and submits it");
    open_file(app, &fixed_file).await?;
    let period = app.wait(&format!("period-{FIXED_FILE}")).await?.prop("value").await.map_err(|e| e.to_string())?;
    if period.as_deref() != Some(PERIOD) {
        app.set_value(&format!("period-{FIXED_FILE}"), PERIOD).await?;
    }
    app.wait_css("[data-testid=\"btn-submit\"]:not([disabled])", "an enabled btn-submit for the corrected file", WAIT)
        .await?;
    run.shot("clerk-load-corrected").await?;
    let before = app.notice_list().await;
    app.click("btn-submit").await?;
    let notice = app.wait_new_notice(&before, "success", "the 'submitted' notice", WAIT).await?;
    let request_id = request_id_from_cli(run, "pending")?;
    if !notice.contains(&request_id.to_string()) {
        return Err(format!("the submitted notice {notice:?} does not name request {request_id}"));
    }

    // ---- 2. supervisor: screens in both languages, approve, active version ----
    run.step("2. supervisor: every screen in Hebrew");
    run.launch(Some(("supervisor", "supervisor"))).await?;
    let app = run.app()?;
    app.wait_js(
        "const b = document.querySelector('[data-testid=\"nav-approvals-count\"]'); return !!b && b.textContent === '1';",
        "the Approvals item to count 1 pending request",
        WAIT,
    )
    .await?;
    let lang: Value = app.js("return document.documentElement.lang;", vec![]).await?;
    if lang != json!("he") {
        return Err(format!("a fresh app should start in Hebrew, the document language is {lang}"));
    }
    open_file(app, &fixed_file).await?;
    screen_tour(run, "he", request_id, &errors_file).await?;
    run.step("2. supervisor: every screen in English");
    set_language(run.app()?, "en").await?;
    screen_tour(run, "en", request_id, &errors_file).await?;

    run.step("2. supervisor approves the request");
    let app = run.app()?;
    app.nav("approvals").await?;
    app.click_css(&format!("[data-testid=\"request-row-{request_id}\"] td"), &format!("request-row-{request_id}"))
        .await?;
    let before = app.notice_list().await;
    app.click("btn-approve").await?;
    app.wait_new_notice(&before, "success", "the 'approved' notice", Duration::from_secs(60)).await?;
    app.wait_js(
        "return !document.querySelector('[data-testid=\"nav-approvals-count\"]');",
        "the pending count to go once the only pending request is approved",
        WAIT,
    )
    .await?;
    app.nav("versions").await?;
    app.click(&format!("cell-{DATASET}-{PERIOD}")).await?;
    let active =
        app.wait_css("[data-testid^=\"version-row-\"].active", "an active version row for 2026-09", WAIT).await?;
    let first_version = active.attr("data-testid").await.map_err(|e| e.to_string())?.unwrap_or_default();
    run.shot("en-7-versions-after-approval").await?;

    // ---- 4. rollback with the confirmation -------------------------------------
    run.step("4. a second version through the CLI (clerk submits, supervisor approves)");
    let second = run.env.sample("welfare_2026-09_v2.csv", 0, 7)?;
    run.env.cli(
        Some(("clerk", "clerk")),
        &["submit", second.to_str().ok_or("path")?, "--dataset", DATASET, "--period", PERIOD],
    )?;
    let second_id = request_id_from_cli(run, "pending")?;
    run.env.cli(Some(("supervisor2", "supervisor2")), &["approve", &second_id.to_string()])?;

    run.step("4. supervisor rolls back to the first version");
    let app = run.app()?;
    app.nav("approvals").await?;
    app.nav("versions").await?;
    app.click(&format!("cell-{DATASET}-{PERIOD}")).await?;
    let target = format!("[data-testid=\"{first_version}\"]");
    app.wait_css(
        &format!("{target}:not(.active) [data-testid=\"btn-rollback\"]"),
        &format!("btn-rollback on {first_version} (no longer active)"),
        WAIT,
    )
    .await?
    .click()
    .await
    .map_err(|e| format!("clicking btn-rollback: {e}"))?;
    app.wait("confirm-ok").await?;
    run.shot("en-8-rollback-confirm").await?;
    let before = app.notice_list().await;
    app.click("confirm-ok").await?;
    app.wait_new_notice(&before, "success", "the 'rolled back' notice", WAIT).await?;
    app.wait_css(&format!("{target}.active"), &format!("{first_version} to be active again after the rollback"), WAIT)
        .await?;
    run.shot("en-9-versions-after-rollback").await?;

    run.step("back to Hebrew");
    set_language(run.app()?, "he").await?;
    Ok(())
}

async fn own_request(run: &mut Run) -> R<()> {
    run.step("prepare: a clerk+supervisor login submits through the CLI");
    run.env.prepare_database()?;
    run.env.psql("CREATE ROLE both_roles LOGIN PASSWORD 'both_roles' IN ROLE citizen_clerk, citizen_supervisor")?;
    let file = run.env.sample("welfare_2026-10.csv", 0, 3)?;
    let out = run.env.cli(
        Some(("both_roles", "both_roles")),
        &["submit", file.to_str().ok_or("path")?, "--dataset", DATASET, "--period", "2026-10"],
    )?;
    let id: u64 = out
        .split_whitespace()
        .skip_while(|w| *w != "request")
        .nth(1)
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| format!("no request id in the submit output: {out}"))?;

    run.step("3. both_roles opens its own request: Approve is not offered");
    run.launch(Some(("both_roles", "both_roles"))).await?;
    let app = run.app()?;
    app.nav("approvals").await?;
    app.click_css(&format!("[data-testid=\"request-row-{id}\"] td"), &format!("request-row-{id}")).await?;
    app.wait_css(".request .detail-head", &format!("the page of request {id}"), WAIT).await?;
    let reason = app.wait("approve-reason").await?;
    let reason = reason.text().await.map_err(|e| e.to_string())?;
    if app.exists("[data-testid=\"btn-approve\"]").await {
        return Err(format!("btn-approve is offered on the submitter's own request {id} (reason shown: {reason:?})"));
    }
    run.shot("he-10-own-request").await?;

    run.step("3. the backend refuses it too (approve_request called directly)");
    let script = r#"
        const channel = window.__TAURI_INTERNALS__.transformCallback(() => {});
        return window.__TAURI_INTERNALS__
            .invoke('approve_request', { requestId: arguments[0], note: '', onEvent: '__CHANNEL__:' + channel })
            .then(() => 'approved', (e) => 'refused:' + (e && e.code));
    "#;
    let answer = app.js(script, vec![json!(id)]).await?;
    let answer = answer.as_str().unwrap_or_default().to_owned();
    if !answer.starts_with("refused:") {
        return Err(format!("approve_request on one's own request {id} was not refused: {answer}"));
    }
    eprintln!("e2e: own request refused by the backend with {answer}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_submits_supervisor_approves_and_rolls_back() {
    run("flows", |r| Box::pin(flows(r))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_ones_own_request_is_not_offered() {
    run("own-request", |r| Box::pin(own_request(r))).await;
}

//! The harness on its own: the real app starts in its WebKit window under
//! Xvfb through tauri-driver, shows "Citizen DB" and its contract-backed Load
//! screen, and everything is torn down again. And the start with no login:
//! signed out, a sign-in prompt (the superuser needs its password), and the
//! demo-logins banner once signed in.

mod common;

use common::{run, Run, R};

async fn harness(run: &mut Run) -> R<()> {
    run.step("prepare the database (db start --demo, --admin contracts apply)");
    run.env.prepare_database()?;
    run.step("start the app as clerk");
    run.launch(Some(("clerk", "clerk"))).await?;
    let app = run.app()?;
    let title = app.client.title().await.map_err(|e| format!("reading the window title failed: {e}"))?;
    if title != "Citizen DB" {
        return Err(format!("the document title is {title:?}, expected \"Citizen DB\""));
    }
    app.wait("drop-zone").await?;
    // The contract list feeds the Load screen; wait until the backend answered it.
    app.wait_js(
        "return window.__TAURI_INTERNALS__.invoke('list_contracts').then(l => Array.isArray(l) && l.some(c => c.dataset === 'welfare_patients'));",
        "list_contracts to include welfare_patients",
        common::WAIT,
    )
    .await?;
    run.step("screenshot");
    let path = run.shot("harness-load").await?;
    eprintln!("e2e: screenshot {}", path.display());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_starts_in_its_window() {
    run("harness", |r| Box::pin(harness(r))).await;
}

/// Whether the element with `testid` is shown (present and not `hidden`).
fn shown(testid: &str) -> String {
    format!("const el = document.querySelector('[data-testid=\"{testid}\"]'); return !!el && !el.hidden;")
}

async fn signed_out_start(run: &mut Run) -> R<()> {
    run.step("prepare the database (db start --demo, --admin contracts apply)");
    run.env.prepare_database()?;
    run.step("start the app with no login: signed out, validation still there");
    run.launch(None).await?;
    let app = run.app()?;
    app.wait_js(&shown("signin-prompt"), "the sign-in prompt", common::WAIT).await?;
    app.wait("drop-zone").await?;
    if app.js(&shown("demo-banner"), vec![]).await? == serde_json::Value::Bool(true) {
        return Err("the demo banner shows before anyone signed in".into());
    }
    run.shot("signed-out-start").await?;

    run.step("signing in as postgres with a wrong password is refused");
    app.set_value("prompt-user", "postgres").await?;
    app.set_value("prompt-password", "not-the-password").await?;
    app.click("prompt-sign-in").await?;
    app.wait_js(
        "const m = document.querySelector('[data-testid=\"prompt-message\"]'); return !!m && m.textContent.length > 0;",
        "a sign-in error",
        common::WAIT,
    )
    .await?;
    app.wait_js(&shown("signin-prompt"), "the sign-in prompt after a refusal", common::WAIT).await?;

    run.step("signing in as clerk: the prompt goes, the demo-logins banner shows");
    app.set_value("prompt-user", "clerk").await?;
    app.set_value("prompt-password", "clerk").await?;
    app.click("prompt-sign-in").await?;
    app.wait_js(&shown("demo-banner"), "the demo-logins banner", common::WAIT).await?;
    app.wait_js(
        "const p = document.querySelector('[data-testid=\"signin-prompt\"]'); \
         const c = document.querySelector('[data-testid=\"connection\"]'); \
         return p.hidden && c.textContent.includes('clerk');",
        "the prompt hidden and clerk signed in",
        common::WAIT,
    )
    .await?;
    run.shot("signed-in-demo-banner").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_starts_signed_out_and_shows_the_demo_banner() {
    run("signed-out", |r| Box::pin(signed_out_start(r))).await;
}

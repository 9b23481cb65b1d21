//! The harness on its own: the real app starts in its WebKit window under
//! Xvfb through tauri-driver, shows "Citizen DB" and its contract-backed Load
//! screen, and everything is torn down again.

mod common;

use common::{run, Run, R};

async fn harness(run: &mut Run) -> R<()> {
    run.step("prepare the database (db start, contracts apply)");
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

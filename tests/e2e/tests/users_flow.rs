//! Logins and contracts administered from the app, end to end in the real
//! window: an administrator opens the Users screen, creates a clerk with a
//! first password, sees the Contracts screen (every contract applied); the
//! app restarted as that clerk signs in, and offers neither screen to a clerk.
//! Screenshots of both screens.

mod common;

use common::{run, Run, R, WAIT};
use serde_json::json;

const CLERK: &str = "e2e_clerk";
const PASSWORD: &str = "first secret 1";

async fn users(run: &mut Run) -> R<()> {
    run.step("prepare: demo logins and contracts");
    run.env.prepare_database()?;

    run.step("admin creates a clerk in the Users screen");
    run.launch(Some(("admin", "admin"))).await?;
    let app = run.app()?;
    app.nav("users").await?;
    app.wait("users-row-admin").await?;
    app.set_value("users-new-login", CLERK).await?;
    app.set_value("users-new-role", "clerk").await?;
    app.set_value("users-new-password", PASSWORD).await?;
    app.set_value("users-new-again", PASSWORD).await?;
    app.click("users-add").await?;
    app.wait(&format!("users-row-{CLERK}")).await?;
    run.shot("he-11-users").await?;

    run.step("admin: the Contracts screen shows every contract applied");
    let app = run.app()?;
    app.nav("contracts").await?;
    app.wait_css(
        "[data-testid=\"contract-welfare_patients\"][data-state=\"applied\"]",
        "welfare_patients applied",
        WAIT,
    )
    .await?;
    run.shot("he-12-contracts").await?;

    run.step("the new clerk signs in; no Users or Contracts for a clerk");
    run.launch(Some((CLERK, PASSWORD))).await?;
    let app = run.app()?;
    app.wait_js(
        &format!("const c = document.querySelector('[data-testid=\"connection\"]'); return !!c && c.textContent.includes('{CLERK}');"),
        "the clerk signed in",
        WAIT,
    )
    .await?;
    let hidden = app
        .js(
            "return !document.querySelector('[data-testid=\"nav-users\"]') && !document.querySelector('[data-testid=\"nav-contracts\"]');",
            vec![],
        )
        .await?;
    if hidden != json!(true) {
        return Err("a clerk is offered the Users or Contracts screen".into());
    }
    let listed = run.env.cli(Some(("admin", "admin")), &["users", "list"])?;
    if !listed.lines().any(|l| l.starts_with(CLERK) && l.contains("clerk") && l.contains("enabled")) {
        return Err(format!("{CLERK} is not listed as an enabled clerk: {listed}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_a_clerk_who_then_signs_in() {
    run("users", |r| Box::pin(users(r))).await;
}

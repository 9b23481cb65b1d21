//! The administrator's commands: logins (the Users screen) and contracts (the
//! Contracts screen). Each adapts a `Session` method; the database decides
//! who may (migrations/0005_users.sql, the owner role for contracts).

use citizen_core::desktop::session::Session;
use citizen_core::ops::apply::ContractPlan;
use citizen_core::ops::users::{LoginRole, LoginView};
use citizen_core::ErrorPayload;
use tauri::State;

#[tauri::command]
pub async fn list_logins(state: State<'_, Session>) -> Result<Vec<LoginView>, ErrorPayload> {
    Ok(state.list_logins().await?)
}

#[tauri::command]
pub async fn add_login(
    state: State<'_, Session>,
    login: String,
    role: LoginRole,
    password: String,
) -> Result<(), ErrorPayload> {
    Ok(state.add_login(&login, role, &password).await?)
}

#[tauri::command]
pub async fn disable_login(state: State<'_, Session>, login: String) -> Result<(), ErrorPayload> {
    Ok(state.disable_login(&login).await?)
}

#[tauri::command]
pub async fn enable_login(state: State<'_, Session>, login: String) -> Result<(), ErrorPayload> {
    Ok(state.enable_login(&login).await?)
}

#[tauri::command]
pub async fn set_login_role(state: State<'_, Session>, login: String, role: LoginRole) -> Result<(), ErrorPayload> {
    Ok(state.set_login_role(&login, role).await?)
}

#[tauri::command]
pub async fn set_login_password(
    state: State<'_, Session>,
    login: String,
    password: String,
) -> Result<(), ErrorPayload> {
    Ok(state.set_login_password(&login, &password).await?)
}

/// Every contract of the folder beside the database's, with the reason a
/// change would be refused (tried and rolled back).
#[tauri::command]
pub async fn contract_plans(state: State<'_, Session>) -> Result<Vec<ContractPlan>, ErrorPayload> {
    Ok(state.contract_plans().await?)
}

/// Applies the folder's contracts (all or nothing), then compares again.
#[tauri::command]
pub async fn apply_contracts(state: State<'_, Session>) -> Result<Vec<ContractPlan>, ErrorPayload> {
    state.apply_contracts().await?;
    Ok(state.contract_plans().await?)
}

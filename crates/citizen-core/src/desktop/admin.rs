//! The administrator's screens without Tauri: logins (Users) and contracts
//! (Contracts). Each is the signed-in login calling the library's operation;
//! the database decides who may (ops::users through migrations/0005, contract
//! planning and applying through the owner role only administrators reach).

use super::session::Session;
use crate::error::CoreError;
use crate::ops::apply::{self, Applied, ContractPlan};
use crate::ops::users::{self, LoginRole, LoginView};

impl Session {
    /// Every Citizen DB login (administrators only).
    pub async fn list_logins(&self) -> Result<Vec<LoginView>, CoreError> {
        users::list_logins(&self.database().await?).await
    }

    /// Creates `login` with `role` and its first `password` (hashed here).
    pub async fn add_login(&self, login: &str, role: LoginRole, password: &str) -> Result<(), CoreError> {
        users::add_login(&self.database().await?, login, role, password).await
    }

    /// Disables `login` (never dropped).
    pub async fn disable_login(&self, login: &str) -> Result<(), CoreError> {
        users::disable_login(&self.database().await?, login).await
    }

    /// Lets a disabled `login` sign in again.
    pub async fn enable_login(&self, login: &str) -> Result<(), CoreError> {
        users::enable_login(&self.database().await?, login).await
    }

    /// Gives `login` the role `role`.
    pub async fn set_login_role(&self, login: &str, role: LoginRole) -> Result<(), CoreError> {
        users::set_login_role(&self.database().await?, login, role).await
    }

    /// Sets a new `password` for `login` (hashed here).
    pub async fn set_login_password(&self, login: &str, password: &str) -> Result<(), CoreError> {
        users::set_login_password(&self.database().await?, login, password).await
    }

    /// Every contract of the folder (read again now) beside what the database
    /// holds, each new or changed one tried as `contracts apply` would and
    /// rolled back: the reason it would be refused, or the columns it adds.
    pub async fn contract_plans(&self) -> Result<Vec<ContractPlan>, CoreError> {
        let catalog = self.reload_catalog()?;
        apply::plan_contracts(&self.database().await?, &catalog).await
    }

    /// Applies every contract of the folder (read again now): all or nothing.
    pub async fn apply_contracts(&self) -> Result<Vec<Applied>, CoreError> {
        let catalog = self.reload_catalog()?;
        apply::apply_contracts(&self.database().await?, &catalog).await
    }
}

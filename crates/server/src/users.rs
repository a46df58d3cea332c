//! `idance users …` (accounts.md, Administration): accounts are made on the server
//! machine, never by an open sign-up endpoint.

use crate::app::ServerError;
use crate::db::UserRecord;
use crate::housekeeping::Admin;
use crate::sign_in;
use chrono::{SecondsFormat, Utc};

/// An account as `idance users list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    pub created_at: String,
}

impl From<UserRecord> for Account {
    fn from(u: UserRecord) -> Self {
        Self {
            user_id: u.user_id,
            email: u.email,
            name: u.name,
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

fn refused(msg: impl Into<String>) -> ServerError {
    ServerError::Account(msg.into())
}

/// An email the server accepts: one `@` between non-empty parts, no spaces, ≤ 254.
fn check_email(email: &str) -> Result<(), ServerError> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(refused(format!("'{email}' is not an email address")))
    }
}

fn hash_error(e: sign_in::PasswordError) -> ServerError {
    refused(e.to_string())
}

impl Admin {
    /// Makes an account; returns its user id. Refused when the email is taken.
    pub async fn add_user(
        &self,
        email: &str,
        name: Option<&str>,
        password: String,
    ) -> Result<String, ServerError> {
        let email = email.trim();
        check_email(email)?;
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.split('@').next().unwrap_or(email))
            .to_string();
        let password_hash = sign_in::hash_password(password).await.map_err(hash_error)?;
        let user_id = format!("u_{}", uuid::Uuid::new_v4().simple());
        let created = self
            .state
            .db
            .create_user(UserRecord {
                user_id: user_id.clone(),
                email: email.to_string(),
                name,
                password_hash,
                disabled: false,
                created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            })
            .await?;
        if !created {
            return Err(refused(format!("an account with the email {email} exists")));
        }
        Ok(user_id)
    }

    pub async fn users(&self) -> Result<Vec<Account>, ServerError> {
        Ok(self
            .state
            .db
            .users()
            .await?
            .into_iter()
            .map(Account::from)
            .collect())
    }

    /// Disables (revoking every sign-in at once) or enables an account.
    pub async fn set_disabled(&self, email: &str, disabled: bool) -> Result<String, ServerError> {
        self.state
            .db
            .set_disabled(email.to_string(), disabled, Utc::now().timestamp())
            .await?
            .ok_or_else(|| refused(format!("no account with the email {email}")))
    }

    /// A new password; every sign-in of the account is revoked.
    pub async fn set_password(&self, email: &str, password: String) -> Result<String, ServerError> {
        let hash = sign_in::hash_password(password).await.map_err(hash_error)?;
        self.state
            .db
            .set_password(email.to_string(), hash, Utc::now().timestamp())
            .await?
            .ok_or_else(|| refused(format!("no account with the email {email}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b", "Ana.Lopez+studio@dance.example"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ana", "@b", "a@", "a b@c", "a@b@c"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}

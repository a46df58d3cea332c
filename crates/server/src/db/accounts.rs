//! Accounts (accounts.md): users, their sign-ins ("families" of refresh tokens) and
//! failed sign-ins, with the SQL both databases run. Parameters are `$n`, numbered in
//! order of first use, which SQLite binds by position as Postgres does.
//!
//! A token is alive only while its family is: revoking marks the family, so a token
//! inserted after a revocation (a refresh racing a reuse) is born dead.

/// A user as stored. `email_key` is the lowercased email: emails are unique and
/// compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: String,
}

/// The key an email is unique under.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spend {
    /// It was alive and is now spent; the family goes on with a new token.
    Fresh { user_id: String, family_id: String },
    /// It had been spent before: its family is now revoked.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

pub(crate) const MIGRATION: &str = "CREATE TABLE users (
        user_id       TEXT PRIMARY KEY,
        email         TEXT NOT NULL,
        email_key     TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled      BIGINT NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL
     );
     CREATE TABLE refresh_families (
        family_id   TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL REFERENCES users(user_id),
        device_name TEXT,
        created_at  BIGINT NOT NULL,
        revoked_at  BIGINT
     );
     CREATE INDEX refresh_families_user ON refresh_families(user_id);
     CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family_id  TEXT NOT NULL REFERENCES refresh_families(family_id),
        expires_at BIGINT NOT NULL,
        spent_at   BIGINT
     );
     CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
     CREATE TABLE login_failures (
        scope TEXT NOT NULL,
        at    BIGINT NOT NULL
     );
     CREATE INDEX login_failures_scope ON login_failures(scope, at);";

pub(crate) const SELECT_USER: &str =
    "SELECT user_id, email, name, password_hash, disabled, created_at FROM users";
pub(crate) const INSERT_USER: &str =
    "INSERT INTO users (user_id, email, email_key, name, password_hash, disabled, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email_key) DO NOTHING";
pub(crate) const SET_DISABLED: &str =
    "UPDATE users SET disabled = $1 WHERE email_key = $2 RETURNING user_id";
pub(crate) const SET_PASSWORD: &str =
    "UPDATE users SET password_hash = $1 WHERE email_key = $2 RETURNING user_id";
pub(crate) const REVOKE_USER: &str =
    "UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
pub(crate) const INSERT_FAMILY: &str = "INSERT INTO refresh_families (family_id, user_id, device_name, created_at) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_TOKEN: &str =
    "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, $3)";
/// The compare-and-set of a refresh: only a live token of a live family is spent, once.
pub(crate) const SPEND: &str = "UPDATE refresh_tokens SET spent_at = $1
     WHERE token_hash = $2 AND spent_at IS NULL AND expires_at > $1
       AND family_id IN (SELECT family_id FROM refresh_families WHERE revoked_at IS NULL)
     RETURNING family_id";
pub(crate) const FAMILY_USER: &str = "SELECT user_id FROM refresh_families WHERE family_id = $1";
pub(crate) const WAS_SPENT: &str =
    "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND spent_at IS NOT NULL";
pub(crate) const REVOKE_FAMILY: &str =
    "UPDATE refresh_families SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";
pub(crate) const REVOKE_FAMILY_OF: &str = "UPDATE refresh_families SET revoked_at = $1
     WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $2) AND revoked_at IS NULL";
pub(crate) const INSERT_FAILURE: &str = "INSERT INTO login_failures (scope, at) VALUES ($1, $2)";
pub(crate) const FAILURES: &str =
    "SELECT COUNT(*), MIN(at) FROM login_failures WHERE scope = $1 AND at > $2";
pub(crate) const CLEAR_FAILURES: &str = "DELETE FROM login_failures WHERE scope = $1";
pub(crate) const PRUNE_FAILURES: &str = "DELETE FROM login_failures WHERE at <= $1";

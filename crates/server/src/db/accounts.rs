//! Accounts (accounts.md): users, their sign-ins ("families" of refresh tokens) and
//! failed sign-ins, with the SQL both databases run.
//!
//! A token is alive only while its family is: revoking marks the family, so a token
//! inserted after a revocation (a refresh racing a reuse) is born dead.

use super::sql::{Exec, Row, Value, args};
use super::{Db, DbError, Tx, count};

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

fn user(r: &Row) -> Result<UserRecord, DbError> {
    Ok(UserRecord {
        user_id: r.text(0)?,
        email: r.text(1)?,
        name: r.text(2)?,
        password_hash: r.text(3)?,
        disabled: r.int(4)? != 0,
        created_at: r.text(5)?,
    })
}

macro_rules! select_user {
    ($rest:literal) => {
        concat!(
            "SELECT user_id, email, name, password_hash, disabled, created_at FROM users ",
            $rest
        )
    };
}

/// What must happen together is one transaction, and a refresh is decided by the
/// compare-and-set [`SPEND`].
impl Db {
    /// False when the email is taken.
    pub async fn create_user(&self, u: UserRecord) -> Result<bool, DbError> {
        count("create_user");
        let mut db = self;
        let key = email_key(&u.email);
        Ok(db
            .execute(
                INSERT_USER,
                args![
                    u.user_id,
                    u.email,
                    key,
                    u.name,
                    u.password_hash,
                    u.disabled,
                    u.created_at
                ],
            )
            .await?
            == 1)
    }

    pub async fn user_by_email(&self, email: String) -> Result<Option<UserRecord>, DbError> {
        count("user_by_email");
        let mut db = self;
        let row = db
            .optional(
                select_user!("WHERE email_key = $1"),
                args![email_key(&email)],
            )
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn user(&self, user_id: String) -> Result<Option<UserRecord>, DbError> {
        count("user");
        let mut db = self;
        let row = db
            .optional(select_user!("WHERE user_id = $1"), args![user_id])
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, DbError> {
        count("users");
        let mut db = self;
        db.rows(select_user!("ORDER BY created_at, email_key"), vec![])
            .await?
            .iter()
            .map(user)
            .collect()
    }

    /// Updates the user (`sql` binds `value`, then the email key) and, when `revoke`,
    /// revokes every sign-in of theirs in the same transaction. The user's id, or None
    /// for an unknown email.
    async fn update_user(
        &self,
        sql: &'static str,
        value: Value,
        email: String,
        revoke: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        let mut tx = self.begin().await?;
        let id = match tx
            .optional(sql, vec![value, email_key(&email).into()])
            .await?
        {
            Some(r) => Some(r.text(0)?),
            None => None,
        };
        if let (Some(id), true) = (&id, revoke) {
            tx.execute(REVOKE_USER, args![now, id]).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Sets `disabled`; disabling revokes every sign-in of the user in the same step.
    pub async fn set_disabled(
        &self,
        email: String,
        disabled: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        count("set_disabled");
        self.update_user(SET_DISABLED, disabled.into(), email, disabled, now)
            .await
    }

    /// A new password hash; every sign-in of the user is revoked in the same step.
    pub async fn set_password(
        &self,
        email: String,
        hash: String,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        count("set_password");
        self.update_user(SET_PASSWORD, hash.into(), email, true, now)
            .await
    }

    /// A sign-in: its family and first refresh token.
    pub async fn start_family(
        &self,
        family_id: String,
        user_id: String,
        device_name: Option<String>,
        token_hash: String,
        expires_at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        count("start_family");
        let mut tx = self.begin().await?;
        tx.execute(INSERT_FAMILY, args![&family_id, user_id, device_name, now])
            .await?;
        tx.execute(INSERT_TOKEN, args![token_hash, family_id, expires_at])
            .await?;
        tx.commit().await
    }

    /// The next refresh token of a family, after [`Spend::Fresh`].
    pub async fn add_refresh(
        &self,
        token_hash: String,
        family_id: String,
        expires_at: i64,
    ) -> Result<(), DbError> {
        count("add_refresh");
        let mut db = self;
        db.execute(INSERT_TOKEN, args![token_hash, family_id, expires_at])
            .await?;
        Ok(())
    }

    pub async fn spend_refresh(&self, token_hash: String, now: i64) -> Result<Spend, DbError> {
        count("spend_refresh");
        let mut db = self;
        if let Some(r) = db.optional(SPEND, args![now, &token_hash]).await? {
            let family_id = r.text(0)?;
            let user_id = db.one(FAMILY_USER, args![&family_id]).await?.text(0)?;
            return Ok(Spend::Fresh { user_id, family_id });
        }
        Ok(match db.optional(WAS_SPENT, args![token_hash]).await? {
            Some(r) => {
                db.execute(REVOKE_FAMILY, args![now, r.text(0)?]).await?;
                Spend::Reused
            }
            None => Spend::Invalid,
        })
    }

    /// Revokes the sign-in a refresh token belongs to; false when none was live.
    pub async fn revoke_sign_in(&self, token_hash: String, now: i64) -> Result<bool, DbError> {
        count("revoke_sign_in");
        let mut db = self;
        Ok(db.execute(REVOKE_FAMILY_OF, args![now, token_hash]).await? == 1)
    }

    /// One failed sign-in, counted under each scope (an email, a client address).
    pub async fn add_failure(&self, scopes: Vec<String>, at: i64) -> Result<(), DbError> {
        count("add_failure");
        let mut tx: Tx = self.begin().await?;
        for scope in scopes {
            tx.execute(INSERT_FAILURE, args![scope, at]).await?;
        }
        tx.commit().await
    }

    /// Failures of `scope` after `since`: how many, and the oldest one's time.
    pub async fn failures(&self, scope: String, since: i64) -> Result<(u64, Option<i64>), DbError> {
        count("failures");
        let mut db = self;
        let r = db.one(FAILURES, args![scope, since]).await?;
        Ok((r.u64(0)?, r.opt_int(1)?))
    }

    pub async fn clear_failures(&self, scope: String) -> Result<(), DbError> {
        count("clear_failures");
        let mut db = self;
        db.execute(CLEAR_FAILURES, args![scope]).await?;
        Ok(())
    }

    pub async fn prune_failures(&self, before: i64) -> Result<u64, DbError> {
        count("prune_failures");
        let mut db = self;
        db.execute(PRUNE_FAILURES, args![before]).await
    }
}

//! Sign-in rules (accounts.md): argon2id password hashes (computed off the async
//! workers), refresh tokens and their digests, and the failed-sign-in limits, which
//! live in the database so they hold across replicas.

use crate::error::ApiError;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use base64::Engine;
use http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::LazyLock;

/// Passwords are 8..=256 characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;
/// Failed sign-ins counted over this many seconds…
pub const WINDOW_SECS: i64 = 15 * 60;
/// …for one email,
pub const EMAIL_LIMIT: u64 = 5;
/// …and from one client address.
pub const ADDRESS_LIMIT: u64 = 20;

/// Sign-in settings from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub access_token_secs: u64,
    pub refresh_token_days: u64,
    pub trust_forwarded_for: bool,
}

impl Settings {
    pub fn refresh_secs(&self) -> u64 {
        self.refresh_token_days.saturating_mul(86_400)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has {} to {} characters", PASSWORD_CHARS.start(), PASSWORD_CHARS.end())]
    Length,
    #[error("could not hash the password: {0}")]
    Hash(String),
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(PasswordError::Length)
    }
}

/// The argon2id hash (PHC string, the crate's default parameters) of a new password.
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    check_password(&password)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// A hash no password matches, verified for unknown emails so that they take as long
/// as a wrong password (no account enumeration by timing).
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    Argon2::default()
        .hash_password(&secret)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Computes the dummy hash ahead of the first sign-in, which would otherwise pay for
/// it and so tell an unknown email by its time.
pub fn warm() {
    LazyLock::force(&DUMMY);
}

/// Whether `password` matches `hash`; `None` (no such user) costs the same and is false.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY.clone());
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// A new refresh token (256 random bits, base64url) and the digest it is stored as.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let digest = token_digest(&token);
    (token, digest)
}

/// The SHA-256 (hex) a refresh token is stored and looked up by.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Seconds until the oldest of `count` failures in the window leaves it, when the
/// count has reached `limit`.
pub fn retry_after(count: u64, oldest: Option<i64>, limit: u64, now: i64) -> Option<u64> {
    let oldest = oldest?;
    (count >= limit).then(|| (oldest + WINDOW_SECS - now).max(1) as u64)
}

/// The client's address for the per-address limit: the socket's peer, or behind a
/// trusted load balancer the last `X-Forwarded-For` hop (the one it appended).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let forwarded = state
            .sign_in
            .trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .rfind(|v| !v.is_empty())
                    .map(str::to_string)
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Self(forwarded.or(peer).unwrap_or_else(|| "unknown".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown email verifies the dummy hash: it must be a real argon2id hash of the
    /// same algorithm, version and parameters as a password's, so it costs the same.
    #[tokio::test]
    async fn the_dummy_hash_costs_what_a_password_hash_costs() {
        use argon2::PasswordHash;
        let real = hash_password("salsa-on-2".into()).await.unwrap();
        let real = PasswordHash::new(&real).unwrap();
        let dummy = PasswordHash::new(&DUMMY).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash_password("salsa-on-2".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(Some(h.clone()), "salsa-on-2".into()).await);
        assert!(!verify_password(Some(h), "salsa-on-1".into()).await);
        assert!(!verify_password(None, "salsa-on-2".into()).await);
        assert!(matches!(
            hash_password("short".into()).await,
            Err(PasswordError::Length)
        ));
        assert!(
            check_password(&"é".repeat(256)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_password(&"a".repeat(257)).is_err());
    }

    #[test]
    fn refresh_tokens_are_long_random_and_stored_as_digests() {
        let (a, da) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits");
        assert_eq!(da, token_digest(&a));
        assert_eq!(da.len(), 64);
        assert!(!da.contains(&a));
    }

    #[test]
    fn the_limit_holds_until_the_oldest_failure_leaves_the_window() {
        assert_eq!(retry_after(4, Some(100), 5, 200), None);
        assert_eq!(retry_after(5, Some(100), 5, 200), Some(800));
        assert_eq!(retry_after(5, Some(100), 5, 100 + WINDOW_SECS), Some(1));
        assert_eq!(retry_after(0, None, 5, 200), None);
    }
}

//! Signing in to a server with accounts (`accounts.md`): the login, and the token
//! source that keeps an access token fresh. The sign-in (refresh token, current access
//! token, who) is one entry in the keychain (or the user-only fallback file), shared by
//! every process of this user: the app and `idance sync` may run at once. A refresh
//! spends its refresh token, so renewing happens under a lock file in the data folder:
//! whoever holds it re-reads the saved sign-in first and refreshes only if nobody else
//! just did; the other process then picks up the saved result.

use super::ClientError;
use crate::secrets::Secrets;
use idance_contract::ErrorCode;
use idance_contract::wire::{AccountUser, LoginRequest, RefreshRequest, TokenResponse};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The keychain entry of the sign-in.
pub const SIGN_IN: &str = "sign-in";
/// Renew this long before the access token expires (at most; a quarter of its life
/// when that is shorter).
const RENEW_MARGIN_MS: i64 = 60_000;
/// How long to wait for another process's refresh (one request and a keychain write).
const LOCK_WAIT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a sign-in was refused, as data the UI switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// Unknown email or wrong password (the server does not say which).
    WrongPassword,
    /// The account exists but is switched off.
    #[serde(rename = "account_disabled")]
    Disabled,
    /// Too many failed attempts; `retry_after_secs` until the next try is allowed.
    TooManyAttempts { retry_after_secs: u64 },
    /// The server has no accounts (a server that issues its own tokens).
    NoAccounts,
}

impl Refusal {
    /// What the UI switches on (the same words as the serialized `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WrongPassword => "wrong_password",
            Self::Disabled => "account_disabled",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::NoAccounts => "no_accounts",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongPassword => write!(f, "wrong email or password"),
            Self::Disabled => write!(
                f,
                "this account is disabled; ask the person who runs your iDance server"
            ),
            Self::TooManyAttempts { retry_after_secs } => write!(
                f,
                "too many attempts; try again in {}",
                in_words(*retry_after_secs)
            ),
            Self::NoAccounts => write!(
                f,
                "this server has no sign-in with email and password; use a token instead"
            ),
        }
    }
}

/// "45 seconds", "1 minute", "15 minutes".
pub fn in_words(secs: u64) -> String {
    match secs {
        0..=59 => format!("{} second{}", secs.max(1), if secs == 1 { "" } else { "s" }),
        _ => {
            let m = secs.div_ceil(60);
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
    }
}

/// The saved sign-in. Its tokens never leave this module except as a bearer header.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The server it belongs to (no trailing slash).
    pub server: String,
    pub user: AccountUser,
    refresh_token: String,
    access_token: String,
    /// Wall-clock Unix milliseconds from which the access token is renewed before use.
    renew_at_ms: i64,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saved")
            .field("server", &self.server)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Saved {
    /// From a login or refresh answer received at `now_ms`: the lifetime is counted
    /// from receipt, so a server clock that is off does not matter.
    fn new(server: &str, t: TokenResponse, now_ms: i64) -> Saved {
        let life = i64::try_from(t.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
        let margin = (life / 4).min(RENEW_MARGIN_MS);
        Saved {
            server: server.to_string(),
            user: t.user,
            refresh_token: t.refresh_token,
            access_token: t.access_token,
            renew_at_ms: now_ms.saturating_add(life - margin),
        }
    }

    fn fresh(&self, now_ms: i64) -> bool {
        now_ms < self.renew_at_ms
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[derive(Default)]
struct State {
    saved: Option<Saved>,
    /// The refresh token the server refused: not tried again until a new sign-in.
    refused: Option<String>,
}

/// A sign-in to one server, as a source of access tokens.
pub struct SignIn {
    http: reqwest::Client,
    base: String,
    secrets: Secrets,
    lock_path: PathBuf,
    /// Held across a whole renewal, so one task of this process refreshes at a time
    /// and the others wait for its result.
    state: tokio::sync::Mutex<State>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn").field("base", &self.base).finish()
    }
}

impl SignIn {
    /// The sign-in to `base` kept in `client_dir` (the data folder's `client`).
    pub fn new(base: &str, client_dir: &Path) -> Result<SignIn, ClientError> {
        Self::with_secrets(base, client_dir, Secrets::new(client_dir.to_path_buf()))
    }

    /// Like [`SignIn::new`], keeping the sign-in in `secrets`.
    pub fn with_secrets(
        base: &str,
        client_dir: &Path,
        secrets: Secrets,
    ) -> Result<SignIn, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(ClientError::from_reqwest)?;
        Ok(SignIn {
            http,
            base: base.trim_end_matches('/').to_string(),
            secrets,
            lock_path: client_dir.join("sign-in.lock"),
            state: Default::default(),
        })
    }

    pub fn server(&self) -> &str {
        &self.base
    }

    /// The sign-in saved in `client_dir`, to any server (reads the keychain: blocking).
    pub fn saved_in(client_dir: &Path) -> Option<Saved> {
        read(&Secrets::new(client_dir.to_path_buf()))
    }

    /// Who is signed in to this server, if anyone (a refused sign-in still names them).
    pub async fn user(&self) -> Option<AccountUser> {
        self.load().await.map(|s| s.user)
    }

    /// Signs in with email and password and saves the sign-in (replacing, and revoking,
    /// one saved before).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: Option<&str>,
    ) -> Result<AccountUser, ClientError> {
        let mut st = self.state.lock().await;
        let _lock = self.lock_file().await?;
        let body = LoginRequest {
            email: email.trim().to_string(),
            password: password.to_string(),
            device_name: device_name.map(|d| d.chars().take(100).collect()),
        };
        let t: TokenResponse = match self.post("/api/auth/login", &body).await? {
            Answer::Ok(t) => t,
            Answer::Refused {
                status,
                code,
                retry_after,
                body,
            } => {
                return Err(login_refusal(status, code, retry_after, &body));
            }
        };
        if let Some(old) = self.load().await {
            // A sign-in replaced is revoked, not left alive in the server's tables.
            let _ = self.revoke(&old).await;
        }
        let saved = Saved::new(&self.base, t, now_ms());
        self.store(Some(&saved)).await?;
        let user = saved.user.clone();
        *st = State {
            saved: Some(saved),
            refused: None,
        };
        Ok(user)
    }

    /// Revokes the sign-in on the server and forgets it here. Forgets it even when the
    /// server cannot be reached; says whether the server confirmed.
    pub async fn logout(&self) -> Result<bool, ClientError> {
        let mut st = self.state.lock().await;
        let _lock = self.lock_file().await?;
        let Some(saved) = self.load().await else {
            return Ok(true);
        };
        let revoked = self.revoke(&saved).await.is_ok();
        self.store(None).await?;
        *st = State::default();
        Ok(revoked)
    }

    /// An access token good for now: the saved one, or a renewed one when it is about
    /// to expire.
    pub async fn access_token(&self) -> Result<String, ClientError> {
        let mut st = self.state.lock().await;
        if let Some(s) = &st.saved
            && s.fresh(now_ms())
        {
            return Ok(s.access_token.clone());
        }
        self.renew(&mut st, None).await
    }

    /// After the server refused `failed` (a 401): a renewed token, unless another task
    /// or process renewed it meanwhile (then theirs).
    pub async fn renew_after_refusal(&self, failed: &str) -> Result<String, ClientError> {
        let mut st = self.state.lock().await;
        if let Some(s) = &st.saved
            && s.access_token != failed
            && s.fresh(now_ms())
        {
            return Ok(s.access_token.clone());
        }
        self.renew(&mut st, Some(failed)).await
    }

    /// After a refused refresh: whether a new sign-in happened since (here or in
    /// another process), so the jobs waiting for one may go on.
    pub async fn signed_in_again(&self) -> bool {
        let refused = self.state.lock().await.refused.clone();
        match refused {
            None => false,
            Some(r) => self.load().await.is_some_and(|s| s.refresh_token != r),
        }
    }

    async fn renew(&self, st: &mut State, failed: Option<&str>) -> Result<String, ClientError> {
        let _lock = self.lock_file().await?;
        // Under the lock, the saved sign-in is the truth: another process may have
        // renewed it (then use theirs) or signed out.
        let Some(saved) = self.load().await else {
            st.saved = None;
            return Err(ClientError::Unauthorized("not signed in".into()));
        };
        if Some(saved.access_token.as_str()) != failed && saved.fresh(now_ms()) {
            let token = saved.access_token.clone();
            st.saved = Some(saved);
            st.refused = None;
            return Ok(token);
        }
        if st.refused.as_deref() == Some(saved.refresh_token.as_str()) {
            return Err(ClientError::Unauthorized("the sign-in has ended".into()));
        }
        let req = RefreshRequest {
            refresh_token: saved.refresh_token.clone(),
        };
        match self
            .post::<_, TokenResponse>("/api/auth/refresh", &req)
            .await?
        {
            Answer::Ok(t) => {
                let renewed = Saved::new(&self.base, t, now_ms());
                let token = renewed.access_token.clone();
                // Saved before use: the old refresh token is spent now, and a process
                // that found it saved would revoke the whole sign-in by reusing it.
                self.store(Some(&renewed)).await?;
                st.saved = Some(renewed);
                st.refused = None;
                Ok(token)
            }
            Answer::Refused {
                status: 401, body, ..
            } => {
                tracing::info!("the server refused the saved sign-in; sign in again");
                st.refused = Some(saved.refresh_token);
                st.saved = None;
                Err(ClientError::from_answer(401, &body, None))
            }
            Answer::Refused {
                status,
                body,
                retry_after,
                ..
            } => Err(ClientError::from_answer(status, &body, retry_after)),
        }
    }

    async fn revoke(&self, saved: &Saved) -> Result<(), ClientError> {
        let req = RefreshRequest {
            refresh_token: saved.refresh_token.clone(),
        };
        match self
            .post::<_, serde_json::Value>("/api/auth/logout", &req)
            .await?
        {
            Answer::Ok(_) => Ok(()),
            Answer::Refused {
                status,
                body,
                retry_after,
                ..
            } => Err(ClientError::from_answer(status, &body, retry_after)),
        }
    }

    async fn post<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Answer<T>, ClientError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = resp.status().as_u16();
        let retry_after = super::error::retry_after(resp.headers());
        let text = resp.text().await.map_err(ClientError::from_reqwest)?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text)
                .map(Answer::Ok)
                .map_err(|e| ClientError::Protocol(format!("{path}: {e}")));
        }
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|j| serde_json::from_value(j.get("code")?.clone()).ok());
        Ok(Answer::Refused {
            status,
            code,
            retry_after,
            body: text,
        })
    }

    async fn load(&self) -> Option<Saved> {
        let secrets = self.secrets.clone();
        let saved = tokio::task::spawn_blocking(move || read(&secrets))
            .await
            .ok()
            .flatten()?;
        (saved.server == self.base).then_some(saved)
    }

    async fn store(&self, saved: Option<&Saved>) -> Result<(), ClientError> {
        let secrets = self.secrets.clone();
        let body = match saved {
            Some(s) => {
                Some(serde_json::to_string(s).map_err(|e| ClientError::Keychain(e.to_string()))?)
            }
            None => None,
        };
        tokio::task::spawn_blocking(move || secrets.set(SIGN_IN, body.as_deref()))
            .await
            .map_err(|e| ClientError::Keychain(e.to_string()))?
            .map(|_| ())
            .map_err(ClientError::Keychain)
    }

    /// The lock shared by every process of this user. Taken on a blocking thread; if
    /// this future is dropped the thread lets go of it as soon as it has it.
    async fn lock_file(&self) -> Result<std::fs::File, ClientError> {
        let path = self.lock_path.clone();
        let take = tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            f.lock()?;
            Ok::<_, std::io::Error>(f)
        });
        match tokio::time::timeout(LOCK_WAIT, take).await {
            Ok(Ok(Ok(f))) => Ok(f),
            Ok(Ok(Err(e))) => Err(ClientError::Keychain(format!(
                "cannot lock the sign-in ({}): {e}",
                self.lock_path.display()
            ))),
            Ok(Err(e)) => Err(ClientError::Keychain(e.to_string())),
            Err(_) => Err(ClientError::Offline(
                "another iDance program has been renewing the sign-in for 30 s".into(),
            )),
        }
    }
}

enum Answer<T> {
    Ok(T),
    Refused {
        status: u16,
        code: Option<ErrorCode>,
        retry_after: Option<u64>,
        body: String,
    },
}

fn read(secrets: &Secrets) -> Option<Saved> {
    serde_json::from_str(&secrets.get(SIGN_IN)?).ok()
}

fn login_refusal(
    status: u16,
    code: Option<ErrorCode>,
    retry_after: Option<u64>,
    body: &str,
) -> ClientError {
    let refusal = match (status, code) {
        (401, _) => Refusal::WrongPassword,
        (403, Some(ErrorCode::AccountDisabled)) => Refusal::Disabled,
        (429, _) => Refusal::TooManyAttempts {
            retry_after_secs: retry_after.unwrap_or(60),
        },
        // No such route: a server without accounts.
        (404 | 405, _) => Refusal::NoAccounts,
        _ => return ClientError::from_answer(status, body, retry_after),
    };
    ClientError::Refused(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(expires_in: u64) -> TokenResponse {
        TokenResponse {
            access_token: "a".into(),
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: "r".into(),
            refresh_expires_in: 86_400,
            user: AccountUser {
                user_id: "u".into(),
                email: "e@x".into(),
                name: "N".into(),
            },
        }
    }

    #[test]
    fn a_token_is_renewed_a_minute_early_or_at_three_quarters_of_a_short_life() {
        let s = Saved::new("http://s", answer(900), 1_000);
        assert_eq!(s.renew_at_ms, 1_000 + 840_000);
        assert!(s.fresh(1_000 + 839_999) && !s.fresh(1_000 + 840_000));
        let s = Saved::new("http://s", answer(5), 0);
        assert_eq!(s.renew_at_ms, 3_750);
    }

    #[test]
    fn a_refusal_kind_is_its_serialized_kind() {
        for r in [
            Refusal::WrongPassword,
            Refusal::Disabled,
            Refusal::TooManyAttempts {
                retry_after_secs: 9,
            },
            Refusal::NoAccounts,
        ] {
            let v = serde_json::to_value(r).unwrap();
            assert_eq!(v["kind"], r.kind(), "{r:?}");
        }
    }

    #[test]
    fn refusals_say_what_to_do_and_the_wait_in_minutes() {
        assert_eq!(in_words(1), "1 second");
        assert_eq!(in_words(45), "45 seconds");
        assert_eq!(in_words(60), "1 minute");
        assert_eq!(in_words(61), "2 minutes");
        assert_eq!(in_words(900), "15 minutes");
        let e = login_refusal(429, Some(ErrorCode::TooManyAttempts), Some(840), "");
        assert_eq!(e.to_string(), "too many attempts; try again in 14 minutes");
        assert!(matches!(
            login_refusal(401, Some(ErrorCode::InvalidCredentials), None, ""),
            ClientError::Refused(Refusal::WrongPassword)
        ));
        assert!(matches!(
            login_refusal(403, Some(ErrorCode::AccountDisabled), None, ""),
            ClientError::Refused(Refusal::Disabled)
        ));
        assert!(matches!(
            login_refusal(404, None, None, "Not Found"),
            ClientError::Refused(Refusal::NoAccounts)
        ));
        assert!(login_refusal(503, None, None, "").is_transient());
    }

    #[test]
    fn the_saved_sign_in_never_prints_its_tokens() {
        let s = Saved::new("http://s", answer(900), 0);
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("\"a\"") && !shown.contains("\"r\""),
            "{shown}"
        );
    }
}

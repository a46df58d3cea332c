//! Part C, accounts (accounts.md): `POST /api/auth/login`, `/refresh`, `/logout` and
//! `GET /api/auth/me`.

use crate::auth::User;
use crate::db::{Spend, UserRecord};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::sign_in::{self, ADDRESS_LIMIT, ClientAddr, EMAIL_LIMIT, WINDOW_SECS};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use idance_contract::ErrorBody;
use idance_contract::wire::{AccountUser, LoginRequest, RefreshRequest, SignedOut, TokenResponse};
use std::time::Duration;

const MAX_DEVICE_NAME: usize = 100;

fn failed(reason: &'static str) {
    crate::metrics::count("idance_auth_failures_total", &[("reason", reason)]);
}

/// A new access token and the given refresh token, as answered by login and refresh.
fn tokens(state: &AppState, user: &UserRecord, refresh_token: String) -> ApiResult<TokenResponse> {
    let access_token = state
        .jwt
        .issue(
            &user.user_id,
            Duration::from_secs(state.sign_in.access_token_secs),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.sign_in.access_token_secs,
        refresh_token,
        refresh_expires_in: state.sign_in.refresh_secs(),
        user: AccountUser {
            user_id: user.user_id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
        },
    })
}

#[utoipa::path(
    post,
    path = "/api/auth/login",
    operation_id = "login",
    tag = "accounts",
    summary = "Sign in with email and password",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed request (`bad_request`)", body = ErrorBody),
        (status = 401, description = "Unknown email or wrong password (`invalid_credentials`)", body = ErrorBody),
        (status = 403, description = "The account is disabled (`account_disabled`)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins (`too_many_attempts`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a sign-in may be tried again"))),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    if req
        .device_name
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DEVICE_NAME)
    {
        return Err(ApiError::BadRequest(format!(
            "device_name is longer than {MAX_DEVICE_NAME} characters"
        )));
    }
    let now = Utc::now().timestamp();
    let by_email = format!("email:{}", crate::db::accounts::email_key(&req.email));
    let by_addr = format!("addr:{addr}");
    for (scope, limit) in [(&by_email, EMAIL_LIMIT), (&by_addr, ADDRESS_LIMIT)] {
        let (count, oldest) = state.db.failures(scope.clone(), now - WINDOW_SECS).await?;
        if let Some(retry_after) = sign_in::retry_after(count, oldest, limit, now) {
            failed("too_many_attempts");
            return Err(ApiError::TooManyAttempts { retry_after });
        }
    }
    let user = state.db.user_by_email(req.email.clone()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !sign_in::verify_password(hash, req.password).await {
        state.db.add_failure(vec![by_email, by_addr], now).await?;
        failed("invalid_credentials");
        return Err(ApiError::InvalidCredentials);
    }
    let Some(user) = user else {
        return Err(ApiError::InvalidCredentials);
    };
    if user.disabled {
        failed("account_disabled");
        return Err(ApiError::AccountDisabled);
    }
    state.db.clear_failures(by_email).await?;
    let (refresh, digest) = sign_in::new_refresh_token();
    let expires_at = now + state.sign_in.refresh_secs() as i64;
    state
        .db
        .start_family(
            uuid::Uuid::new_v4().simple().to_string(),
            user.user_id.clone(),
            req.device_name,
            digest,
            expires_at,
            now,
        )
        .await?;
    crate::metrics::count("idance_sign_ins_total", &[("kind", "login")]);
    tracing::info!(user_id = %user.user_id, "signed in");
    Ok(Json(tokens(&state, &user, refresh)?))
}

#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    operation_id = "refresh",
    tag = "accounts",
    summary = "Spend a refresh token for a new access token and a new refresh token",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Renewed", body = TokenResponse),
        (status = 400, description = "Malformed request (`bad_request`)", body = ErrorBody),
        (status = 401, description = "Unknown, expired or revoked (`invalid_refresh`), or spent before: the sign-in is now revoked (`refresh_reused`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let now = Utc::now().timestamp();
    let invalid = || ApiError::InvalidRefresh("this sign-in has ended; sign in again".into());
    match state
        .db
        .spend_refresh(sign_in::token_digest(&req.refresh_token), now)
        .await?
    {
        Spend::Fresh { user_id, family_id } => {
            let user = match state.db.user(user_id).await? {
                Some(u) if !u.disabled => u,
                _ => {
                    failed("invalid_refresh");
                    return Err(invalid());
                }
            };
            let (refresh, digest) = sign_in::new_refresh_token();
            let expires_at = now + state.sign_in.refresh_secs() as i64;
            state.db.add_refresh(digest, family_id, expires_at).await?;
            crate::metrics::count("idance_sign_ins_total", &[("kind", "refresh")]);
            Ok(Json(tokens(&state, &user, refresh)?))
        }
        Spend::Reused => {
            failed("refresh_reused");
            tracing::warn!("a spent refresh token was presented again; its sign-in is revoked");
            Err(ApiError::RefreshReused)
        }
        Spend::Invalid => {
            failed("invalid_refresh");
            Err(invalid())
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "accounts",
    summary = "End the sign-in a refresh token belongs to (an unknown token also answers 200)",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Signed out", body = SignedOut),
        (status = 400, description = "Malformed request (`bad_request`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<SignedOut>> {
    let now = Utc::now().timestamp();
    if state
        .db
        .revoke_sign_in(sign_in::token_digest(&req.refresh_token), now)
        .await?
    {
        tracing::info!("signed out");
    }
    Ok(Json(SignedOut { signed_out: true }))
}

#[utoipa::path(
    get,
    path = "/api/auth/me",
    operation_id = "me",
    tag = "accounts",
    summary = "Who the bearer token signs in",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = AccountUser),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 404, description = "The token's user has no account here (`not_found`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn me(State(state): State<AppState>, User(user): User) -> ApiResult<Json<AccountUser>> {
    let u = state
        .db
        .user(user.clone())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account for user '{user}'")))?;
    Ok(Json(AccountUser {
        user_id: u.user_id,
        email: u.email,
        name: u.name,
    }))
}

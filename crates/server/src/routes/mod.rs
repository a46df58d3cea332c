//! The API's endpoints, one module per group of the contract.

pub mod capabilities;
pub mod files;
pub mod health;
pub mod multipart;
pub mod sessions;
pub mod uploads;

use crate::db::DbError;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::StorageError;
use axum::Router;
use axum::routing::{get, post};
use idance_contract::wire::{Session, SessionStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::scrape))
        .route("/api/capabilities", get(capabilities::get))
        .route("/api/sessions/start", post(sessions::start))
        .route("/api/sessions/complete", post(sessions::complete))
        .route("/api/s3/upload/video", post(uploads::video))
        .route("/api/s3/upload/thumbnail", post(uploads::thumbnail))
        .route(
            "/api/s3/files/{*rest}",
            get(files::download_url).delete(files::delete),
        )
        .route("/api/s3/multipart/video", post(multipart::create))
        .route("/api/s3/multipart/sign", post(multipart::sign))
        .route("/api/s3/multipart/parts", post(multipart::parts))
        .route("/api/s3/multipart/complete", post(multipart::complete))
        .route("/api/s3/multipart/abort", post(multipart::abort))
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ApiError::NotFound("no such file".into()),
            StorageError::NoSuchUpload => {
                ApiError::NoSuchUpload("the multipart upload no longer exists".into())
            }
            StorageError::InvalidPart(m) => ApiError::InvalidPart(m),
            StorageError::EntityTooSmall(m) => ApiError::EntityTooSmall(m),
            StorageError::Failed(m) => ApiError::Storage(m),
        }
    }
}

/// The caller's session: 400 for an empty id, 404 unknown, 403 another user's.
pub async fn owned_session(
    state: &AppState,
    user: &str,
    session_id: &str,
) -> Result<Session, ApiError> {
    if session_id.trim().is_empty() {
        return Err(ApiError::BadRequest("session_id is required".into()));
    }
    let session = state
        .db
        .session(session_id.to_string())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("unknown session '{session_id}'")))?;
    if session.user_id != user {
        return Err(ApiError::Forbidden(format!(
            "session '{session_id}' belongs to another user"
        )));
    }
    Ok(session)
}

/// Like [`owned_session`], and refuses sessions that are already completed.
pub async fn open_session(
    state: &AppState,
    user: &str,
    session_id: &str,
) -> Result<Session, ApiError> {
    let session = owned_session(state, user, session_id).await?;
    if session.status == SessionStatus::Completed {
        return Err(ApiError::Conflict(format!(
            "session '{session_id}' is already completed"
        )));
    }
    Ok(session)
}

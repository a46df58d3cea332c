//! The API's endpoints, one module per group of the contract.

pub mod auth;
pub mod capabilities;
pub mod files;
pub mod health;
pub mod library;
pub mod multipart;
pub mod sessions;
pub mod uploads;

use crate::db::DbError;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::StorageError;
use axum::Router;
use axum::routing::{any, get};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use idance_contract::wire::{Session, SessionStatus};
use idance_contract::{ErrorBody, ErrorCode};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every endpoint, and the OpenAPI document made from the same list: a handler routed
/// with `routes!` is described by its own `#[utoipa::path]`.
pub fn router() -> Router<AppState> {
    let (router, mut doc) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(crate::metrics::scrape))
        .routes(routes!(capabilities::get))
        .routes(routes!(sessions::start))
        .routes(routes!(sessions::complete))
        .routes(routes!(library::list))
        .routes(routes!(library::get, library::update, library::delete))
        .routes(routes!(uploads::video))
        .routes(routes!(uploads::thumbnail))
        // A key holds slashes, which an OpenAPI path parameter cannot: axum matches the
        // rest of the path, and the document names the two shapes it serves.
        .route(files::ROUTE, any(files::dispatch))
        .routes(routes!(multipart::create))
        .routes(routes!(multipart::sign))
        .routes(routes!(multipart::parts))
        .routes(routes!(multipart::complete))
        .routes(routes!(multipart::abort))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .split_for_parts();
    doc.merge(crate::openapi::FilesDoc::openapi());
    // Rendered once: the document is the same for the life of the process.
    let doc = Bytes::from(doc.to_json().expect("the OpenAPI document serializes"));
    router.route(
        crate::openapi::PATH,
        get(move || async move { ([(CONTENT_TYPE, "application/json")], doc) }),
    )
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

/// 405 in the contract's error body (axum adds the route's `Allow`).
pub fn method_not_allowed() -> (http::StatusCode, axum::Json<ErrorBody>) {
    (
        http::StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(ErrorBody {
            detail: "method not allowed on this endpoint".into(),
            code: Some(ErrorCode::MethodNotAllowed),
        }),
    )
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

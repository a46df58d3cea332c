//! `DELETE /api/s3/files/{file_key}` and `GET /api/s3/files/{file_key}/url`.
//!
//! The key is read from the raw request path, not a decoded parameter, so an encoded
//! `..` or `/` can never reach storage: anything with `%` in it is refused.

use super::owned_session;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{OriginalUri, State};
use idance_contract::FileKey;
use idance_contract::wire::{DeleteFileResponse, DownloadUrlResponse};

const PREFIX: &str = "/api/s3/files/";

/// The caller's existing object named by the path: 400 malformed, 403 another user's,
/// 404 absent.
async fn owned_object(state: &AppState, user: &str, raw_key: &str) -> ApiResult<String> {
    let key = FileKey::parse(raw_key)?;
    if key.user_id != user {
        return Err(ApiError::Forbidden(
            "that file belongs to another user".into(),
        ));
    }
    match owned_session(state, user, &key.session_id).await {
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::NotFound(format!("no file '{raw_key}'")));
        }
        other => other?,
    };
    if state.storage.head(raw_key).await?.is_none() {
        return Err(ApiError::NotFound(format!("no file '{raw_key}'")));
    }
    Ok(raw_key.to_string())
}

pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DeleteFileResponse>> {
    let raw = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let key = owned_object(&state, &user, raw).await?;
    state.storage.delete(&key).await?;
    tracing::info!(file_key = %key, "file deleted");
    Ok(Json(DeleteFileResponse {
        deleted: true,
        file_key: key,
    }))
}

pub async fn download_url(
    State(state): State<AppState>,
    User(user): User,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DownloadUrlResponse>> {
    let rest = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let raw = rest
        .strip_suffix("/url")
        .ok_or_else(|| ApiError::NotFound("no such endpoint".into()))?;
    let key = owned_object(&state, &user, raw).await?;
    Ok(Json(DownloadUrlResponse {
        download_url: {
            let url = state.storage.presign_get(&key).await?;
            crate::metrics::count("idance_presigned_urls_total", &[("kind", "download")]);
            url
        },
        file_key: key,
        expires_in: state.storage.expires_in(),
    }))
}

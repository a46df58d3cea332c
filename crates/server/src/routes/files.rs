//! `DELETE /api/s3/files/{file_key}` and `GET /api/s3/files/{file_key}/url`.
//!
//! The key is read from the raw request path, not a decoded parameter, so an encoded
//! `..` or `/` can never reach storage: anything with `%` in it is refused. A key holds
//! slashes, so axum routes the whole rest of the path here and [`dispatch`] tells the
//! two shapes apart (a key always ends in `.<ext>`, never in `/url`).

use super::owned_session;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header::ALLOW};
use idance_contract::ErrorBody;
use idance_contract::FileKey;
use idance_contract::wire::{DeleteFileResponse, DownloadUrlResponse};

const PREFIX: &str = "/api/s3/files/";

/// The one axum route both shapes share.
pub const ROUTE: &str = "/api/s3/files/{*rest}";

/// The shape's own template, for metrics and logs (operations.md names these two).
pub fn template(path: &str) -> &'static str {
    if path.ends_with("/url") {
        "/api/s3/files/{file_key}/url"
    } else {
        "/api/s3/files/{file_key}"
    }
}

/// Routes `/api/s3/files/{*rest}` as if the two shapes were two routes: wrong methods
/// get 405 and OPTIONS 200, each with the shape's own `Allow`, before any auth.
pub async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    let is_url = req.uri().path().ends_with("/url");
    let (allow, wanted) = if is_url {
        ("GET,HEAD", [Method::GET, Method::HEAD])
    } else {
        ("DELETE", [Method::DELETE, Method::DELETE])
    };
    let method = req.method().clone();
    if !wanted.contains(&method) {
        let mut resp = if method == Method::OPTIONS {
            StatusCode::OK.into_response()
        } else {
            super::method_not_allowed().into_response()
        };
        resp.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
        return resp;
    }
    let (mut parts, _body) = req.into_parts();
    let user = match User::from_request_parts(&mut parts, &state).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    let uri = OriginalUri(parts.uri);
    if is_url {
        download_url(State(state), user, uri).await.into_response()
    } else {
        delete(State(state), user, uri).await.into_response()
    }
}

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

#[utoipa::path(
    delete,
    path = "/api/s3/files/{file_key}",
    operation_id = "deleteFile",
    tag = "files",
    summary = "Delete one of the caller's files",
    params(("file_key" = String, Path, description = "The file's key as stored, slashes included (not percent-encoded)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = DeleteFileResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/api/s3/files/{file_key}/url",
    operation_id = "downloadUrl",
    tag = "files",
    summary = "A presigned GET URL for one of the caller's files",
    params(("file_key" = String, Path, description = "The file's key as stored, slashes included (not percent-encoded)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Download with a GET of download_url", body = DownloadUrlResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
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

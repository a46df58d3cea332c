//! `POST /api/sessions/start` and `POST /api/sessions/complete`.

use super::owned_session;
use crate::auth::User;
use crate::db::{Completion, Started};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, OptionalJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use idance_contract::ErrorBody;
use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus, StartSessionRequest};
use idance_contract::{FileKey, FileKind, MAX_CLIENT_REF_LEN, MAX_TITLE_LEN};

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[utoipa::path(
    post,
    path = "/api/sessions/start",
    operation_id = "startSession",
    tag = "sessions",
    summary = "Start a session; the same client_ref answers the same session",
    request_body(content = Option<StartSessionRequest>, description = "Optional; an empty body is a session without title"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A new session", body = Session),
        (status = 200, description = "The session this client_ref already started", body = Session),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 404, description = "The client_ref named a session since deleted (`not_found`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn start(
    State(state): State<AppState>,
    User(user): User,
    OptionalJson(req): OptionalJson<StartSessionRequest>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    if req
        .title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TITLE_LEN)
    {
        return Err(ApiError::BadRequest(format!(
            "title is longer than {MAX_TITLE_LEN} characters"
        )));
    }
    if let Some(r) = &req.client_ref
        && (r.is_empty() || r.chars().count() > MAX_CLIENT_REF_LEN)
    {
        return Err(ApiError::BadRequest(format!(
            "client_ref must be 1 to {MAX_CLIENT_REF_LEN} characters"
        )));
    }
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let (session, created) = match state
        .db
        .start_session(user, req.title, req.client_ref.clone(), id, now())
        .await?
    {
        Started::New(s) => (s, true),
        Started::Existing(s) => (s, false),
        // library.md: a deleted session's client_ref answers 404, never a new session.
        Started::Deleted => {
            return Err(ApiError::NotFound(format!(
                "the session client_ref '{}' named was deleted",
                req.client_ref.unwrap_or_default()
            )));
        }
    };
    tracing::info!(session_id = %session.session_id, created, "session started");
    if created {
        crate::metrics::count("idance_sessions_started_total", &[]);
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(session)))
}

/// Checks one (key, URL) pair of a completion: the caller's, this session's, the right kind.
fn check_key(
    state: &AppState,
    user: &str,
    session_id: &str,
    kind: FileKind,
    field: &str,
    key: &str,
    url: &str,
) -> ApiResult<()> {
    let parsed = FileKey::parse(key).map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))?;
    if parsed.kind != kind {
        return Err(ApiError::BadRequest(format!(
            "{field} is not a {} key",
            kind.noun()
        )));
    }
    if parsed.user_id != user {
        return Err(ApiError::Forbidden(format!(
            "{field} belongs to another user"
        )));
    }
    if parsed.session_id != session_id {
        return Err(ApiError::BadRequest(format!(
            "{field} belongs to another session"
        )));
    }
    if url != state.storage.file_url(key) {
        return Err(ApiError::BadRequest(format!(
            "{field}'s URL is not the file_url of that key"
        )));
    }
    Ok(())
}

/// The object's size, once it is there and within the limit.
async fn check_object(state: &AppState, field: &str, key: &str) -> ApiResult<u64> {
    match state.storage.head(key).await? {
        None => Err(ApiError::NotFound(format!(
            "{field} '{key}' has not been uploaded"
        ))),
        Some(size) if size > state.max_upload_bytes => Err(ApiError::TooLarge(format!(
            "{field} is {size} bytes, over the {} MB limit",
            state.max_upload_mb
        ))),
        Some(size) => Ok(size),
    }
}

#[utoipa::path(
    post,
    path = "/api/sessions/complete",
    operation_id = "completeSession",
    tag = "sessions",
    summary = "Complete a session with its video (and thumbnail); a repeat answers the same",
    request_body = CompleteSessionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The completed session", body = Session),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 413, description = "Over the server's upload limit (`too_large`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
pub async fn complete(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<CompleteSessionRequest>,
) -> ApiResult<Json<Session>> {
    let session = owned_session(&state, &user, &req.session_id).await?;
    let mut size = None;
    if session.status != SessionStatus::Completed {
        DateTime::parse_from_rfc3339(&req.end_time)
            .map_err(|_| ApiError::BadRequest("endTime must be an RFC 3339 date-time".into()))?;
        if !req.duration_minutes.is_finite() || req.duration_minutes < 0.0 {
            return Err(ApiError::BadRequest(
                "durationMinutes must be a number ≥ 0".into(),
            ));
        }
        if req
            .calories_burned
            .is_some_and(|c| !c.is_finite() || c < 0.0)
        {
            return Err(ApiError::BadRequest(
                "caloriesBurned must be a number ≥ 0".into(),
            ));
        }
        check_key(
            &state,
            &user,
            &req.session_id,
            FileKind::Video,
            "videoFileKey",
            &req.video_file_key,
            &req.video_url,
        )?;
        match (&req.thumbnail_file_key, &req.thumbnail_url) {
            (Some(key), Some(url)) => check_key(
                &state,
                &user,
                &req.session_id,
                FileKind::Thumbnail,
                "thumbnailFileKey",
                key,
                url,
            )?,
            (None, None) => {}
            _ => {
                return Err(ApiError::BadRequest(
                    "thumbnailURL and thumbnailFileKey go together".into(),
                ));
            }
        }
        size = Some(check_object(&state, "videoFileKey", &req.video_file_key).await?);
        if let Some(key) = &req.thumbnail_file_key {
            check_object(&state, "thumbnailFileKey", key).await?;
        }
    }
    let session_id = req.session_id.clone();
    match state.db.complete_session(req, now(), size).await? {
        Completion::Done(s) => {
            tracing::info!(%session_id, "session completed");
            crate::metrics::count("idance_sessions_completed_total", &[]);
            Ok(Json(s))
        }
        Completion::Repeat(s) => Ok(Json(s)),
        Completion::Conflict => Err(ApiError::Conflict(format!(
            "session '{session_id}' was already completed with different details"
        ))),
        Completion::Gone => Err(ApiError::NotFound(format!(
            "session '{session_id}' was deleted"
        ))),
    }
}

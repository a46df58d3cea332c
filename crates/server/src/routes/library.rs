//! The instructor's library (library.md, Part D): list, read, rename and delete one's
//! own sessions. Another user's session answers 404, exactly as a missing one.

use crate::auth::User;
use crate::db::Deletion;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use idance_contract::keys::is_valid_session_id;
use idance_contract::wire::{Session, SessionPage, SessionStatus, UpdateSessionRequest};
use idance_contract::{
    DEFAULT_LIBRARY_PAGE, ErrorBody, FileKind, MAX_LIBRARY_PAGE, MAX_RENAME_LEN,
};

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no session '{id}'"))
}

/// The keyset position after a session: its `started_at` and id. Opaque to clients;
/// anything this server did not make is refused.
fn cursor(s: &Session) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", s.started_at, s.session_id))
}

fn parse_cursor(c: &str) -> Option<(String, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    let (at, id) = text.split_once('\n')?;
    DateTime::parse_from_rfc3339(at).ok()?;
    is_valid_session_id(id).then(|| (at.to_string(), id.to_string()))
}

/// A page's position: after this `started_at` and session id.
type After = Option<(String, String)>;

/// `limit`, `cursor` and `status`, each at most once; other parameters are ignored.
fn list_query(q: Option<&str>) -> ApiResult<(u32, After, Option<SessionStatus>)> {
    let (mut limit, mut after, mut status) = (None, None, None);
    for (k, v) in url::form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
        let repeated = || ApiError::BadRequest(format!("'{k}' is given twice"));
        match k.as_ref() {
            "limit" => {
                let n = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIBRARY_PAGE).contains(n))
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!("limit must be 1 to {MAX_LIBRARY_PAGE}"))
                    })?;
                limit.replace(n).map_or(Ok(()), |_| Err(repeated()))?;
            }
            "cursor" => {
                let c = parse_cursor(&v).ok_or_else(|| {
                    ApiError::BadRequest("cursor is not one this server made".into())
                })?;
                after.replace(c).map_or(Ok(()), |_| Err(repeated()))?;
            }
            "status" => {
                let s = match v.as_ref() {
                    "active" => SessionStatus::Active,
                    "completed" => SessionStatus::Completed,
                    _ => {
                        return Err(ApiError::BadRequest(
                            "status must be active or completed".into(),
                        ));
                    }
                };
                status.replace(s).map_or(Ok(()), |_| Err(repeated()))?;
            }
            _ => {}
        }
    }
    Ok((limit.unwrap_or(DEFAULT_LIBRARY_PAGE), after, status))
}

#[utoipa::path(
    get,
    path = "/api/sessions",
    operation_id = "listSessions",
    tag = "library",
    summary = "The caller's sessions, newest first, a page at a time",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Sessions per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("status" = Option<String>, Query, description = "`active` or `completed`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of sessions", body = SessionPage),
        (status = 400, description = "A limit outside 1..=200, an unknown status or a cursor this server did not make (`bad_request`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<SessionPage>> {
    let (limit, after, status) = list_query(q.as_deref())?;
    let page = state.db.library(user, status, after, limit).await?;
    let next_cursor = if page.more {
        page.sessions.last().map(cursor)
    } else {
        None
    };
    Ok(Json(SessionPage {
        sessions: page.sessions,
        next_cursor,
    }))
}

/// The caller's session, not deleted; 404 otherwise.
async fn mine(state: &AppState, user: &str, id: &str) -> ApiResult<Session> {
    if !is_valid_session_id(id) {
        return Err(not_found(id));
    }
    match state.db.session(id.to_string()).await? {
        Some(s) if s.user_id == user => Ok(s),
        _ => Err(not_found(id)),
    }
}

#[utoipa::path(
    get,
    path = "/api/sessions/{session_id}",
    operation_id = "getSession",
    tag = "library",
    summary = "One of the caller's sessions",
    params(("session_id" = String, Path, description = "The session's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 404, description = "No such session of the caller, or deleted (`not_found`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> ApiResult<Json<Session>> {
    Ok(Json(mine(&state, &user, &id).await?))
}

#[utoipa::path(
    patch,
    path = "/api/sessions/{session_id}",
    operation_id = "updateSession",
    tag = "library",
    summary = "Rename a session or set its calories",
    params(("session_id" = String, Path, description = "The session's id")),
    request_body = UpdateSessionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as it now is", body = Session),
        (status = 400, description = "A field other than title and caloriesBurned, a title empty or over 120 characters, calories below 0 (`bad_request`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 404, description = "No such session of the caller, or deleted (`not_found`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateSessionRequest>,
) -> ApiResult<Json<Session>> {
    let title = req.title.map(|t| t.trim().to_string());
    if title
        .as_ref()
        .is_some_and(|t| t.is_empty() || t.chars().count() > MAX_RENAME_LEN)
    {
        return Err(ApiError::BadRequest(format!(
            "title must be 1 to {MAX_RENAME_LEN} characters"
        )));
    }
    if req
        .calories_burned
        .is_some_and(|c| !c.is_finite() || c < 0.0)
    {
        return Err(ApiError::BadRequest(
            "caloriesBurned must be a number ≥ 0".into(),
        ));
    }
    if !is_valid_session_id(&id) {
        return Err(not_found(&id));
    }
    state
        .db
        .update_session(id.clone(), user, title, req.calories_burned)
        .await?
        .map(Json)
        .ok_or_else(|| not_found(&id))
}

#[utoipa::path(
    delete,
    path = "/api/sessions/{session_id}",
    operation_id = "deleteSession",
    tag = "library",
    summary = "Delete a session: its video and thumbnail, its unfinished uploads",
    params(("session_id" = String, Path, description = "The session's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted (also when it already was)"),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 404, description = "No such session of the caller (`not_found`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed; the session is still listed and the delete can be repeated (`storage_error`)", body = ErrorBody),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !is_valid_session_id(&id) {
        return Err(not_found(&id));
    }
    // Marked first: a crash after this leaves objects nothing references, which
    // housekeeping removes, never a listed session whose video is gone.
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let marked = match state
        .db
        .mark_deleted(id.clone(), user.clone(), at.clone())
        .await?
    {
        Deletion::Marked(_) => true,
        // A repeat (or another replica's delete) removes what is left, if anything.
        Deletion::Already(_) => false,
        Deletion::Missing => return Err(not_found(&id)),
    };
    if let Err(e) = remove_objects(&state, &user, &id).await {
        if marked {
            state.db.unmark_deleted(id.clone(), at).await?;
        }
        tracing::warn!(session_id = %id, error = %e, "session delete failed; it stays listed");
        return Err(e);
    }
    tracing::info!(session_id = %id, "session deleted");
    crate::metrics::count("idance_sessions_deleted_total", &[]);
    Ok(StatusCode::NO_CONTENT)
}

/// Aborts the session's unfinished multipart uploads and deletes every object under its
/// video and thumbnail prefixes (a single PUT's object is in no table until completion).
async fn remove_objects(state: &AppState, user: &str, session_id: &str) -> ApiResult<()> {
    for u in state.db.session_uploads(session_id.to_string()).await? {
        crate::abort::abort_upload::<ApiError>(state, &u, "deleted").await?;
    }
    for kind in [FileKind::Video, FileKind::Thumbnail] {
        let prefix = format!("{}/{user}/{session_id}/", kind.prefix());
        for o in state.storage.list(&prefix).await? {
            state.storage.delete(&o.key).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_made_up_one_is_refused() {
        let s = Session {
            session_id: "0b6c3c1e-9a53-4c1f-9f7e-1d2a3b4c5d6e".into(),
            user_id: "u".into(),
            status: SessionStatus::Active,
            started_at: "2026-12-04T10:00:00.123Z".into(),
            title: None,
            client_ref: None,
            completed_at: None,
            end_time: None,
            duration_minutes: None,
            calories_burned: None,
            video_url: None,
            video_file_key: None,
            thumbnail_url: None,
            thumbnail_file_key: None,
            size_bytes: None,
        };
        assert_eq!(
            parse_cursor(&cursor(&s)),
            Some((s.started_at.clone(), s.session_id.clone()))
        );
        for bad in ["", "abc", "!!!", &URL_SAFE_NO_PAD.encode("yesterday\nx")] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_query_is_checked() {
        assert_eq!(list_query(None).unwrap().0, DEFAULT_LIBRARY_PAGE);
        assert_eq!(list_query(Some("limit=200&x=1")).unwrap().0, 200);
        for bad in [
            "limit=0",
            "limit=201",
            "limit=a",
            "status=deleted",
            "cursor=zz",
            "limit=1&limit=2",
        ] {
            assert!(list_query(Some(bad)).is_err(), "{bad}");
        }
    }
}

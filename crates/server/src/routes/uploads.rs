//! Part A uploads: one presigned PUT per file.

use super::open_session;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use idance_contract::media::MediaType;
use idance_contract::wire::{ThumbnailUploadRequest, UploadUrlResponse, VideoUploadRequest};
use idance_contract::{FileKey, FileKind};

/// Resolves the media type of a request (415 when not allowed).
pub fn media(
    kind: FileKind,
    ext: Option<&str>,
    content_type: Option<&str>,
) -> ApiResult<MediaType> {
    MediaType::resolve(kind, ext, content_type)
        .map_err(|e| ApiError::UnsupportedMediaType(e.to_string()))
}

async fn presign(
    state: &AppState,
    user: &str,
    session_id: &str,
    kind: FileKind,
    media: MediaType,
) -> ApiResult<UploadUrlResponse> {
    let key = FileKey::generate(kind, user, session_id, media, Utc::now()).to_string();
    let upload_url = state.storage.presign_put(&key, media.content_type).await?;
    let noun = match kind {
        FileKind::Video => "video",
        FileKind::Thumbnail => "thumbnail",
    };
    crate::metrics::count("idance_presigned_urls_total", &[("kind", noun)]);
    crate::metrics::count("idance_uploads_started_total", &[("kind", "single")]);
    tracing::info!(%session_id, file_key = %key, "presigned {} upload", kind.noun());
    Ok(UploadUrlResponse {
        upload_url,
        file_url: state.storage.file_url(&key),
        file_key: key,
        content_type: media.content_type.to_string(),
        expires_in: state.storage.expires_in(),
    })
}

pub async fn video(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<VideoUploadRequest>,
) -> ApiResult<Json<UploadUrlResponse>> {
    if let Some(mb) = req.file_size_mb {
        if !mb.is_finite() || mb < 0.0 {
            return Err(ApiError::BadRequest(
                "file_size_mb must be a number ≥ 0".into(),
            ));
        }
        if mb > state.max_upload_mb as f64 {
            return Err(ApiError::TooLarge(format!(
                "{mb} MB is over the {} MB limit",
                state.max_upload_mb
            )));
        }
    }
    let media = media(
        FileKind::Video,
        req.file_extension.as_deref(),
        req.content_type.as_deref(),
    )?;
    open_session(&state, &user, &req.session_id).await?;
    Ok(Json(
        presign(&state, &user, &req.session_id, FileKind::Video, media).await?,
    ))
}

pub async fn thumbnail(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<ThumbnailUploadRequest>,
) -> ApiResult<Json<UploadUrlResponse>> {
    let media = media(
        FileKind::Thumbnail,
        req.file_extension.as_deref(),
        req.content_type.as_deref(),
    )?;
    open_session(&state, &user, &req.session_id).await?;
    Ok(Json(
        presign(&state, &user, &req.session_id, FileKind::Thumbnail, media).await?,
    ))
}

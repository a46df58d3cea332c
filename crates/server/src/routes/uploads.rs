//! Part A uploads: one presigned PUT per file.

use super::open_session;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use idance_contract::ErrorBody;
use idance_contract::media::MediaType;
use idance_contract::wire::{
    PutChecksum, ThumbnailUploadRequest, UploadUrlResponse, VideoUploadRequest,
};
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

/// The checksums to sign into a single PUT ⊕, checked: well-formed base64 digests,
/// CRC32C only where storage checks it.
pub fn put_checksum(state: &AppState, c: &PutChecksum) -> ApiResult<()> {
    let decodes_to = |v: &str, len: usize| {
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, v)
            .is_ok_and(|d| d.len() == len)
    };
    if c.content_md5.as_deref().is_some_and(|m| !decodes_to(m, 16)) {
        return Err(ApiError::BadRequest(
            "content_md5 must be the base64 MD5 of the file".into(),
        ));
    }
    match &c.checksum_crc32c {
        Some(crc) if !decodes_to(crc, 4) => Err(ApiError::BadRequest(
            "checksum_crc32c must be the base64 CRC32C of the file".into(),
        )),
        Some(_) if !state.storage.crc32c() => Err(ApiError::BadRequest(
            "this service's storage does not check CRC32C; send content_md5".into(),
        )),
        _ => Ok(()),
    }
}

async fn presign(
    state: &AppState,
    user: &str,
    session_id: &str,
    kind: FileKind,
    media: MediaType,
    checksum: &PutChecksum,
) -> ApiResult<UploadUrlResponse> {
    let key = FileKey::generate(kind, user, session_id, media, Utc::now()).to_string();
    let upload_url = state
        .storage
        .presign_put(&key, media.content_type, checksum)
        .await?;
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

#[utoipa::path(
    post,
    path = "/api/s3/upload/video",
    operation_id = "presignVideo",
    tag = "uploads",
    summary = "A presigned PUT URL for a session's video",
    request_body = VideoUploadRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Upload with one PUT to upload_url", body = UploadUrlResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 413, description = "Over the server's upload limit (`too_large`)", body = ErrorBody),
        (status = 415, description = "A file type the service does not accept (`unsupported_media_type`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
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
    put_checksum(&state, &req.checksum)?;
    open_session(&state, &user, &req.session_id).await?;
    Ok(Json(
        presign(
            &state,
            &user,
            &req.session_id,
            FileKind::Video,
            media,
            &req.checksum,
        )
        .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/s3/upload/thumbnail",
    operation_id = "presignThumbnail",
    tag = "uploads",
    summary = "A presigned PUT URL for a session's thumbnail",
    request_body = ThumbnailUploadRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Upload with one PUT to upload_url", body = UploadUrlResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 415, description = "A file type the service does not accept (`unsupported_media_type`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
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
    put_checksum(&state, &req.checksum)?;
    open_session(&state, &user, &req.session_id).await?;
    Ok(Json(
        presign(
            &state,
            &user,
            &req.session_id,
            FileKind::Thumbnail,
            media,
            &req.checksum,
        )
        .await?,
    ))
}

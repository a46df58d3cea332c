//! Part B: resumable multipart uploads. The server records each upload it creates
//! (upload id → user, session, key) and answers only the caller it issued it to.

use super::open_session;
use super::uploads::media;
use crate::auth::User;
use crate::db::{UploadRecord, UploadState};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::storage::StorageError;
use axum::Json;
use axum::extract::State;
use base64::Engine;
use chrono::Utc;
use idance_contract::ErrorBody;
use idance_contract::wire::*;
use idance_contract::{
    DEFAULT_PART_SIZE, FileKey, FileKind, MAX_PART_COUNT, MAX_SIGN_BATCH, MIN_PART_SIZE,
};

const MIB: u64 = 1024 * 1024;

/// Smallest whole-MiB part size ≥ 8 MiB that fits `size` into 10,000 parts.
pub fn part_size_for(size: Option<u64>, max_upload_bytes: u64) -> u64 {
    // A growing recording has no size yet: plan for the largest allowed file.
    let size = size.unwrap_or(max_upload_bytes);
    let needed = size.div_ceil(u64::from(MAX_PART_COUNT));
    needed
        .div_ceil(MIB)
        .saturating_mul(MIB)
        .max(DEFAULT_PART_SIZE)
}

fn check_part_number(n: i64) -> ApiResult<i32> {
    if (1..=i64::from(MAX_PART_COUNT)).contains(&n) {
        Ok(n as i32)
    } else {
        Err(ApiError::InvalidPartNumber(format!(
            "part_number {n} is outside 1..=10000"
        )))
    }
}

/// The active upload `upload_id` of `file_key`, issued to this caller.
async fn owned_upload(
    state: &AppState,
    user: &str,
    file_key: &str,
    upload_id: &str,
) -> ApiResult<UploadRecord> {
    let key = FileKey::parse(file_key)?;
    if upload_id.trim().is_empty() {
        return Err(ApiError::BadRequest("upload_id is required".into()));
    }
    if key.user_id != user {
        return Err(ApiError::Forbidden(
            "that file belongs to another user".into(),
        ));
    }
    let record = state
        .db
        .upload(upload_id.to_string())
        .await?
        .ok_or_else(|| ApiError::NoSuchUpload(format!("no upload '{upload_id}'")))?;
    if record.user_id != user {
        return Err(ApiError::Forbidden(
            "that upload belongs to another user".into(),
        ));
    }
    if record.file_key != file_key {
        return Err(ApiError::NoSuchUpload(format!(
            "no upload '{upload_id}' for that file_key"
        )));
    }
    Ok(record)
}

fn require_active(record: &UploadRecord) -> ApiResult<()> {
    match record.state {
        UploadState::Active => Ok(()),
        UploadState::Aborted => Err(ApiError::NoSuchUpload("the upload was aborted".into())),
        UploadState::Completed => Err(ApiError::Conflict("the upload is already completed".into())),
    }
}

#[utoipa::path(
    post,
    path = "/api/s3/multipart/video",
    operation_id = "createMultipart",
    tag = "multipart",
    summary = "Create a multipart upload of a session's video",
    request_body = CreateMultipartRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The upload and the part size to use", body = CreateMultipartResponse),
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
pub async fn create(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<CreateMultipartRequest>,
) -> ApiResult<Json<CreateMultipartResponse>> {
    if let Some(size) = req.file_size_bytes
        && size > state.max_upload_bytes
    {
        return Err(ApiError::TooLarge(format!(
            "{size} bytes is over the {} MB limit",
            state.max_upload_mb
        )));
    }
    let media = media(
        FileKind::Video,
        req.file_extension.as_deref(),
        req.content_type.as_deref(),
    )?;
    open_session(&state, &user, &req.session_id).await?;
    let key =
        FileKey::generate(FileKind::Video, &user, &req.session_id, media, Utc::now()).to_string();
    // CRC32C only where storage checks it; otherwise the answer says none and the
    // client signs MD5s.
    let crc32c = state.storage.crc32c()
        && req.checksum_algorithm.as_deref() == Some(idance_contract::CHECKSUM_CRC32C);
    let upload_id = state
        .storage
        .create_multipart(&key, media.content_type, crc32c)
        .await?;
    let part_size = part_size_for(req.file_size_bytes, state.max_upload_bytes);
    let record = UploadRecord {
        upload_id: upload_id.clone(),
        user_id: user,
        session_id: req.session_id.clone(),
        file_key: key.clone(),
        part_size,
        state: UploadState::Active,
        size: None,
    };
    if let Err(e) = state
        .db
        .insert_upload(record, Utc::now().to_rfc3339(), Utc::now().timestamp())
        .await
    {
        // Do not leave an upload behind that no one can reach.
        let _ = state.storage.abort_multipart(&key, &upload_id).await;
        return Err(e.into());
    }
    tracing::info!(session_id = %req.session_id, file_key = %key, "multipart upload created");
    crate::metrics::count("idance_uploads_started_total", &[("kind", "multipart")]);
    Ok(Json(CreateMultipartResponse {
        upload_id,
        file_url: state.storage.file_url(&key),
        file_key: key,
        part_size,
        expires_in: state.storage.expires_in(),
        checksum_algorithm: crc32c.then(|| idance_contract::CHECKSUM_CRC32C.to_string()),
    }))
}

#[utoipa::path(
    post,
    path = "/api/s3/multipart/sign",
    operation_id = "signParts",
    tag = "multipart",
    summary = "Presigned PUT URLs for parts (the Content-MD5 or CRC32C given is signed in)",
    request_body = SignPartsRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One URL per part asked", body = SignPartsResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
pub async fn sign(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<SignPartsRequest>,
) -> ApiResult<Json<SignPartsResponse>> {
    if req.parts.is_empty() || req.parts.len() > MAX_SIGN_BATCH {
        return Err(ApiError::BadRequest(format!(
            "sign 1 to {MAX_SIGN_BATCH} parts per call"
        )));
    }
    let mut wanted = Vec::with_capacity(req.parts.len());
    for p in &req.parts {
        let n = check_part_number(p.part_number)?;
        if let Some(md5) = &p.content_md5 {
            let ok = base64::engine::general_purpose::STANDARD
                .decode(md5)
                .is_ok_and(|d| d.len() == 16);
            if !ok {
                return Err(ApiError::BadRequest(format!(
                    "part {n}: content_md5 must be the base64 MD5 of the part"
                )));
            }
        }
        if let Some(crc) = &p.checksum_crc32c {
            let ok = base64::engine::general_purpose::STANDARD
                .decode(crc)
                .is_ok_and(|d| d.len() == 4);
            if !ok {
                return Err(ApiError::BadRequest(format!(
                    "part {n}: checksum_crc32c must be the base64 CRC32C of the part"
                )));
            }
        }
        wanted.push((n, p.content_md5.as_deref(), p.checksum_crc32c.as_deref()));
    }
    let record = owned_upload(&state, &user, &req.file_key, &req.upload_id).await?;
    require_active(&record)?;
    touch(&state, &record).await?;
    let mut parts = Vec::with_capacity(wanted.len());
    for (n, md5, crc) in wanted {
        let url = state
            .storage
            .presign_part(&record.file_key, &record.upload_id, n, md5, crc)
            .await?;
        crate::metrics::count("idance_presigned_urls_total", &[("kind", "part")]);
        parts.push(SignedPart {
            part_number: n as u32,
            url,
        });
    }
    Ok(Json(SignPartsResponse {
        parts,
        expires_in: state.storage.expires_in(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/s3/multipart/parts",
    operation_id = "listParts",
    tag = "multipart",
    summary = "The parts storage already holds (for resume)",
    request_body = UploadRef,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The stored parts", body = ListPartsResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
pub async fn parts(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<UploadRef>,
) -> ApiResult<Json<ListPartsResponse>> {
    let record = owned_upload(&state, &user, &req.file_key, &req.upload_id).await?;
    require_active(&record)?;
    touch(&state, &record).await?;
    let parts = state
        .storage
        .list_parts(&record.file_key, &record.upload_id)
        .await?;
    Ok(Json(ListPartsResponse { parts }))
}

#[utoipa::path(
    post,
    path = "/api/s3/multipart/complete",
    operation_id = "completeMultipart",
    tag = "multipart",
    summary = "Assemble the parts into the file; a repeat answers the same",
    request_body = CompleteMultipartRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The stored file", body = CompleteMultipartResponse),
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
    ApiJson(req): ApiJson<CompleteMultipartRequest>,
) -> ApiResult<Json<CompleteMultipartResponse>> {
    if req.parts.is_empty() {
        return Err(ApiError::BadRequest(
            "parts must list at least one part".into(),
        ));
    }
    let mut requested = Vec::with_capacity(req.parts.len());
    for p in &req.parts {
        requested.push((
            check_part_number(p.part_number)?,
            p.etag.trim_matches('"').to_string(),
        ));
    }
    if requested.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(ApiError::BadRequest(
            "parts must be in ascending part_number order without repeats".into(),
        ));
    }
    let record = owned_upload(&state, &user, &req.file_key, &req.upload_id).await?;
    // Runs to the end even when the client goes away mid-call (a kill, a pause that
    // drops the request): a complete storage did must be recorded, or the client's
    // next try would find no upload and send the whole file again.
    tokio::spawn(finish_complete(state, record, requested))
        .await
        .map_err(|e| ApiError::Internal(format!("completing the upload failed: {e}")))?
        .map(Json)
}

async fn finish_complete(
    state: AppState,
    record: UploadRecord,
    requested: Vec<(i32, String)>,
) -> ApiResult<CompleteMultipartResponse> {
    let done = |size| CompleteMultipartResponse {
        file_key: record.file_key.clone(),
        file_url: state.storage.file_url(&record.file_key),
        size,
    };
    match record.state {
        // A client that lost the answer asks again: same answer.
        UploadState::Completed => {
            let size = state
                .storage
                .head(&record.file_key)
                .await?
                .or(record.size)
                .unwrap_or(0);
            return Ok(done(size));
        }
        UploadState::Aborted => {
            return Err(ApiError::NoSuchUpload("the upload was aborted".into()));
        }
        UploadState::Active => {}
    }

    let stored = match state
        .storage
        .list_parts(&record.file_key, &record.upload_id)
        .await
    {
        Ok(parts) => parts,
        Err(StorageError::NoSuchUpload) => return recognise_completed(&state, &record).await,
        Err(e) => return Err(e.into()),
    };
    let mut total: u64 = 0;
    let mut with_checksums = Vec::with_capacity(requested.len());
    for (i, (n, etag)) in requested.iter().enumerate() {
        let part = stored
            .iter()
            .find(|s| s.part_number as i32 == *n)
            .filter(|s| s.etag == *etag)
            .ok_or_else(|| {
                ApiError::InvalidPart(format!("part {n} was not uploaded with ETag {etag}"))
            })?;
        if i + 1 < requested.len() && part.size < MIN_PART_SIZE {
            return Err(ApiError::EntityTooSmall(format!(
                "part {n} is {} bytes; every part but the last must be at least 5 MiB",
                part.size
            )));
        }
        total += part.size;
        with_checksums.push((*n, etag.clone(), part.checksum_crc32c.clone()));
    }
    if total > state.max_upload_bytes {
        return Err(ApiError::TooLarge(format!(
            "the parts add up to {total} bytes, over the {} MB limit",
            state.max_upload_mb
        )));
    }
    match state
        .storage
        .complete_multipart(&record.file_key, &record.upload_id, &with_checksums)
        .await
    {
        Ok(()) => {}
        // Completed meanwhile (a repeated call racing this one).
        Err(StorageError::NoSuchUpload) => return recognise_completed(&state, &record).await,
        Err(e) => return Err(e.into()),
    }
    let size = state.storage.head(&record.file_key).await?.unwrap_or(total);
    if state
        .db
        .finish_upload(record.upload_id.clone(), UploadState::Completed, Some(size))
        .await?
    {
        tracing::info!(file_key = %record.file_key, size, "multipart upload completed");
        completed(size);
    }
    Ok(done(size))
}

/// Storage no longer knows an upload our records call active: either an earlier
/// complete reached storage and its answer was lost (the object is there: its key is
/// this upload's own, made for it alone), or it was aborted or expired (no object).
async fn recognise_completed(
    state: &AppState,
    record: &UploadRecord,
) -> ApiResult<CompleteMultipartResponse> {
    let Some(size) = state.storage.head(&record.file_key).await? else {
        return Err(ApiError::NoSuchUpload(
            "storage no longer has this upload (aborted or expired); start a new one".into(),
        ));
    };
    // Another call or instance may have recorded it first: count it once.
    if state
        .db
        .finish_upload(record.upload_id.clone(), UploadState::Completed, Some(size))
        .await?
    {
        tracing::info!(file_key = %record.file_key, size, "multipart upload found completed in storage");
        completed(size);
    }
    Ok(CompleteMultipartResponse {
        file_key: record.file_key.clone(),
        file_url: state.storage.file_url(&record.file_key),
        size,
    })
}

#[utoipa::path(
    post,
    path = "/api/s3/multipart/abort",
    operation_id = "abortMultipart",
    tag = "multipart",
    summary = "Abort a multipart upload and drop its parts",
    request_body = UploadRef,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Aborted", body = AbortMultipartResponse),
        (status = 400, description = "Malformed request (`bad_request`, `invalid_key`, `invalid_part_number`, `invalid_part`, `entity_too_small`)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The session, upload or file belongs to another user (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such session, upload or file (`not_found`, `no_such_upload`)", body = ErrorBody),
        (status = 409, description = "The session or upload is already completed, differently (`conflict`)", body = ErrorBody),
        (status = 500, description = "The server failed (`internal`)", body = ErrorBody),
        (status = 502, description = "Storage failed (`storage_error`)", body = ErrorBody),
    ),
)]
pub async fn abort(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(req): ApiJson<UploadRef>,
) -> ApiResult<Json<AbortMultipartResponse>> {
    let record = owned_upload(&state, &user, &req.file_key, &req.upload_id).await?;
    match record.state {
        UploadState::Aborted => return Ok(Json(AbortMultipartResponse { aborted: true })),
        UploadState::Completed => {
            return Err(ApiError::Conflict("the upload is already completed".into()));
        }
        UploadState::Active => {}
    }
    let moved = crate::abort::abort_upload::<ApiError>(&state, &record, "client").await?;
    if !moved
        && state
            .db
            .upload(record.upload_id.clone())
            .await?
            .is_some_and(|r| r.state == UploadState::Completed)
    {
        // A complete on another instance won the race.
        return Err(ApiError::Conflict("the upload is already completed".into()));
    }
    Ok(Json(AbortMultipartResponse { aborted: true }))
}

/// Records activity, so the stale-upload reaper spares an upload that is still going
/// (at most once a minute, see `activity`).
async fn touch(state: &AppState, record: &UploadRecord) -> ApiResult<()> {
    let now = Utc::now().timestamp();
    if state.touches.due(&record.upload_id, now) {
        state.db.touch_upload(record.upload_id.clone(), now).await?;
        state.touches.wrote(&record.upload_id, now);
    }
    Ok(())
}

fn completed(size: u64) {
    crate::metrics::count("idance_uploads_completed_total", &[("kind", "multipart")]);
    metrics::counter!("idance_uploaded_bytes_total").increment(size);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_is_at_least_8_mib_and_fits_10000_parts() {
        let max = 5120 * MIB;
        assert_eq!(part_size_for(Some(100 * MIB), max), 8 * MIB);
        assert_eq!(part_size_for(Some(0), max), 8 * MIB);
        let big = 200 * 1024 * MIB; // 200 GiB
        let ps = part_size_for(Some(big), max);
        assert!(ps * 10_000 >= big && ps.is_multiple_of(MIB), "{ps}");
        assert!(big.div_ceil(ps) <= 10_000);
        // unknown size: plan for the largest allowed
        assert!((max).div_ceil(part_size_for(None, max)) <= 10_000);
    }

    #[test]
    fn part_numbers_outside_1_to_10000_are_refused() {
        assert!(check_part_number(0).is_err());
        assert!(check_part_number(10_001).is_err());
        assert!(check_part_number(-1).is_err());
        assert_eq!(check_part_number(10_000).unwrap(), 10_000);
    }
}

//! Aborting a multipart upload, the one way every caller does it (the client's abort,
//! the stale-upload reaper, a session's delete): in storage first (already gone is
//! fine), then in the database, once.

use crate::db::{DbError, UploadRecord, UploadState};
use crate::state::AppState;
use crate::storage::StorageError;

/// Aborts `u`; true when this call moved it to aborted (counted under `reason`), false
/// when another call or instance had finished it first.
pub async fn abort_upload<E: From<StorageError> + From<DbError>>(
    state: &AppState,
    u: &UploadRecord,
    reason: &'static str,
) -> Result<bool, E> {
    match state
        .storage
        .abort_multipart(&u.file_key, &u.upload_id)
        .await
    {
        Ok(()) | Err(StorageError::NoSuchUpload) => {}
        Err(e) => return Err(e.into()),
    }
    let moved = state
        .db
        .finish_upload(u.upload_id.clone(), UploadState::Aborted, None)
        .await?;
    if moved {
        tracing::info!(file_key = %u.file_key, reason, "multipart upload aborted");
        crate::metrics::count("idance_uploads_aborted_total", &[("reason", reason)]);
    }
    Ok(moved)
}

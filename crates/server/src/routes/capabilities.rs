//! `GET /api/capabilities`: tells clients this server speaks Part B.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use idance_contract::wire::Capabilities;
use idance_contract::{MAX_PART_COUNT, MIN_PART_SIZE};

#[utoipa::path(
    get,
    path = "/api/capabilities",
    operation_id = "capabilities",
    tag = "service",
    summary = "What this server speaks (Part B multipart, client_ref, limits)",
    responses(
        (status = 200, description = "The capabilities", body = Capabilities),
    ),
)]
pub async fn get(State(state): State<AppState>) -> Json<Capabilities> {
    let mut extra = serde_json::Map::new();
    extra.insert(
        "presign_expires_seconds".into(),
        state.storage.expires_in().into(),
    );
    // A checksum given to upload/video or upload/thumbnail is signed into the PUT.
    extra.insert("put_checksums".into(), true.into());
    // Part C: this server signs users in (accounts.md).
    extra.insert("accounts".into(), true.into());
    // Part D: the library (list, rename, delete sessions).
    extra.insert("library".into(), true.into());
    extra.insert(
        "max_sign_batch".into(),
        idance_contract::MAX_SIGN_BATCH.into(),
    );
    Json(Capabilities {
        multipart: true,
        max_part_count: MAX_PART_COUNT,
        client_ref: true,
        min_part_size: Some(MIN_PART_SIZE),
        max_upload_mb: Some(state.max_upload_mb),
        checksum_algorithms: if state.storage.crc32c() {
            vec![idance_contract::CHECKSUM_CRC32C.to_string()]
        } else {
            Vec::new()
        },
        extra,
    })
}

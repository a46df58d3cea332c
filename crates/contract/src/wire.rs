//! Request and response bodies, field names exactly as the contract writes them.
//!
//! Requests carry `#[serde(deny_unknown_fields)]` nowhere: Part A clients may send
//! extra fields, and the server ignores them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Integers in requests: JSON does not tell `3` from `3.0`, and some clients (Python's
/// `json` among them) write whole floats, so a whole number is taken in either form.
mod json_int {
    use serde::{Deserialize, Deserializer, de::Error};

    fn whole<E: Error>(n: serde_json::Number) -> Result<i128, E> {
        if let Some(i) = n.as_i64() {
            return Ok(i.into());
        }
        if let Some(u) = n.as_u64() {
            return Ok(u.into());
        }
        match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1.8e19 => Ok(f as i128),
            _ => Err(E::custom(format!("expected a whole number, found {n}"))),
        }
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let n = whole(serde_json::Number::deserialize(d)?)?;
        i64::try_from(n).map_err(|_| D::Error::custom(format!("{n} is out of range")))
    }

    pub fn option_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(n) => {
                let n = whole(n)?;
                u64::try_from(n)
                    .map(Some)
                    .map_err(|_| D::Error::custom(format!("{n} is out of range")))
            }
        }
    }
}

// ---- sessions ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartSessionRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
}

/// A session as the server answers it (start and complete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::session_id))]
    pub session_id: String,
    pub user_id: String,
    pub status: SessionStatus,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calories_burned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_file_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::thumbnail_key))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_file_key: Option<String>,
    /// The video's size in bytes, once completed (library.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Completed,
}

/// `GET /api/sessions` (library.md): one page of the caller's sessions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPage {
    pub sessions: Vec<Session>,
    /// Where the next page starts; null on the last page.
    pub next_cursor: Option<String>,
}

/// `PATCH /api/sessions/{session_id}`: only these fields (note the camelCase calories,
/// as in the completion).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 120))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(
        rename = "caloriesBurned",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub calories_burned: Option<f64>,
}

/// `POST /api/sessions/complete` (note the camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteSessionRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::session_id))]
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    #[serde(rename = "endTime")]
    pub end_time: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(rename = "durationMinutes")]
    pub duration_minutes: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(
        rename = "caloriesBurned",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub calories_burned: Option<f64>,
    #[serde(rename = "videoURL")]
    pub video_url: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    #[serde(rename = "videoFileKey")]
    pub video_file_key: String,
    #[serde(
        rename = "thumbnailURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::thumbnail_key))]
    #[serde(
        rename = "thumbnailFileKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail_file_key: Option<String>,
}

// ---- Part A: single presigned PUT ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoUploadRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::session_id))]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_extension))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_content_type))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_mb: Option<f64>,
    #[serde(flatten)]
    pub checksum: PutChecksum,
}

/// ⊕ A checksum of the whole file to sign into a single PUT (servers announcing
/// `put_checksums`): storage then refuses bytes that do not match. Both may be given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutChecksum {
    /// Base64 MD5, sent as `Content-MD5`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{21}[AQgw]==$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_md5: Option<String>,
    /// Base64 big-endian CRC32C, sent as `x-amz-checksum-crc32c` (only where the
    /// server announces `checksum_algorithms: ["crc32c"]`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{5}[AQgw]==$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThumbnailUploadRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::session_id))]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::thumbnail_extension))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::thumbnail_content_type))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(flatten)]
    pub checksum: PutChecksum,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadUrlResponse {
    pub upload_url: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::file_key))]
    pub file_key: String,
    pub content_type: String,
    pub expires_in: u64,
    pub file_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteFileResponse {
    pub deleted: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::file_key))]
    pub file_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadUrlResponse {
    pub download_url: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::file_key))]
    pub file_key: String,
    pub expires_in: u64,
}

// ---- Part B: multipart ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMultipartRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::session_id))]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_extension))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_content_type))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "json_int::option_u64"
    )]
    pub file_size_bytes: Option<u64>,
    /// ⊕ The checksum each part will carry (`"crc32c"`), when the server announces it in
    /// `checksum_algorithms`; absent: parts carry `content_md5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMultipartResponse {
    pub upload_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    pub file_key: String,
    pub file_url: String,
    pub part_size: u64,
    pub expires_in: u64,
    /// ⊕ The checksum storage was told to expect on every part; absent: none (MD5).
    /// A client signs parts with CRC32C only when this says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartToSign {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    #[serde(deserialize_with = "json_int::i64")]
    pub part_number: i64,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{21}[AQgw]==$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_md5: Option<String>,
    /// ⊕ Base64 of the part's big-endian CRC32C, for an upload created with
    /// `checksum_algorithm: "crc32c"`: signed in as `x-amz-checksum-crc32c`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{5}[AQgw]==$"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignPartsRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    pub file_key: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub upload_id: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub parts: Vec<PartToSign>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedPart {
    pub part_number: u32,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignPartsResponse {
    pub parts: Vec<SignedPart>,
    pub expires_in: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadRef {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    pub file_key: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub upload_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredPart {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
    /// ⊕ The part's CRC32C as storage recorded it (base64), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListPartsResponse {
    pub parts: Vec<StoredPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletedPart {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    #[serde(deserialize_with = "json_int::i64")]
    pub part_number: i64,
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteMultipartRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    pub file_key: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub upload_id: String,
    /// In ascending `part_number` order, each part once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub parts: Vec<CompletedPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteMultipartResponse {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::video_key))]
    pub file_key: String,
    pub file_url: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AbortMultipartResponse {
    pub aborted: bool,
}

// ---- Part C: accounts ----

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub password: String,
    /// Names the sign-in (e.g. the computer), at most 100 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// `POST /api/auth/refresh` and `/api/auth/logout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Who is signed in (`GET /api/auth/me`, and in every token answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountUser {
    pub user_id: String,
    pub email: String,
    pub name: String,
}

/// The answer of a login or a refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token is valid.
    pub expires_in: u64,
    pub refresh_token: String,
    /// Seconds the refresh token is valid (it is renewed on every refresh).
    pub refresh_expires_in: u64,
    pub user: AccountUser,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub signed_out: bool,
}

/// `GET /api/capabilities`. Unknown fields are kept so newer servers can add more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Capabilities {
    pub multipart: bool,
    pub max_part_count: u32,
    pub client_ref: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_part_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upload_mb: Option<u64>,
    /// ⊕ Part checksums storage checks besides `content_md5` (`["crc32c"]`); absent or
    /// empty: MD5 only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checksum_algorithms: Vec<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_request_uses_the_contract_camel_case_names() {
        let req = CompleteSessionRequest {
            session_id: "s".into(),
            end_time: "2026-11-26T07:00:00Z".into(),
            duration_minutes: 3.0,
            calories_burned: None,
            video_url: "u".into(),
            video_file_key: "k".into(),
            thumbnail_url: None,
            thumbnail_file_key: None,
        };
        let v = serde_json::to_value(&req).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "durationMinutes",
                "endTime",
                "sessionId",
                "videoFileKey",
                "videoURL"
            ]
        );
    }

    #[test]
    fn capabilities_keep_unknown_fields() {
        let caps: Capabilities = serde_json::from_str(
            r#"{"multipart":true,"max_part_count":10000,"client_ref":true,"x":1}"#,
        )
        .unwrap();
        assert!(caps.multipart);
        assert_eq!(caps.extra.get("x"), Some(&Value::from(1)));
    }
}

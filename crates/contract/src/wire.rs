//! Request and response bodies, field names exactly as the contract writes them.
//!
//! Requests carry `#[serde(deny_unknown_fields)]` nowhere: Part A clients may send
//! extra fields, and the server ignores them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- sessions ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartSessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
}

/// A session as the server answers it (start and complete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_file_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_file_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Completed,
}

/// `POST /api/sessions/complete` (note the camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteSessionRequest {
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[serde(rename = "endTime")]
    pub end_time: String,
    #[serde(rename = "durationMinutes")]
    pub duration_minutes: f64,
    #[serde(
        rename = "caloriesBurned",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub calories_burned: Option<f64>,
    #[serde(rename = "videoURL")]
    pub video_url: String,
    #[serde(rename = "videoFileKey")]
    pub video_file_key: String,
    #[serde(
        rename = "thumbnailURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail_url: Option<String>,
    #[serde(
        rename = "thumbnailFileKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail_file_key: Option<String>,
}

// ---- Part A: single presigned PUT ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoUploadRequest {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_mb: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThumbnailUploadRequest {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadUrlResponse {
    pub upload_url: String,
    pub file_key: String,
    pub content_type: String,
    pub expires_in: u64,
    pub file_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteFileResponse {
    pub deleted: bool,
    pub file_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloadUrlResponse {
    pub download_url: String,
    pub file_key: String,
    pub expires_in: u64,
}

// ---- Part B: multipart ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateMultipartRequest {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateMultipartResponse {
    pub upload_id: String,
    pub file_key: String,
    pub file_url: String,
    pub part_size: u64,
    pub expires_in: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartToSign {
    pub part_number: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_md5: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignPartsRequest {
    pub file_key: String,
    pub upload_id: String,
    pub parts: Vec<PartToSign>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedPart {
    pub part_number: u32,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignPartsResponse {
    pub parts: Vec<SignedPart>,
    pub expires_in: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRef {
    pub file_key: String,
    pub upload_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPart {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPartsResponse {
    pub parts: Vec<StoredPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletedPart {
    pub part_number: i64,
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteMultipartRequest {
    pub file_key: String,
    pub upload_id: String,
    pub parts: Vec<CompletedPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteMultipartResponse {
    pub file_key: String,
    pub file_url: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbortMultipartResponse {
    pub aborted: bool,
}

/// `GET /api/capabilities`. Unknown fields are kept so newer servers can add more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub multipart: bool,
    pub max_part_count: u32,
    pub client_ref: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_part_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upload_mb: Option<u64>,
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

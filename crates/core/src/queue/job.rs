//! Jobs and their states, as stored and as printed (`--json`).

use idance_contract::FileKind;
use serde::Serialize;

/// Where a job stands. Names are the CLI contract's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Uploading,
    Paused,
    /// Waiting for the network or for a new sign-in.
    Waiting,
    Failed,
    Cancelled,
    /// Bytes stored; the session is not completed yet.
    Uploaded,
    /// The session is completed on the server.
    Completed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Uploading => "uploading",
            Self::Paused => "paused",
            Self::Waiting => "waiting",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Uploaded => "uploaded",
            Self::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "uploading" => Self::Uploading,
            "paused" => Self::Paused,
            "waiting" => Self::Waiting,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "uploaded" => Self::Uploaded,
            "completed" => Self::Completed,
            _ => return None,
        })
    }

    /// States `sync` still has work for.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Self::Queued | Self::Uploading | Self::Waiting | Self::Uploaded
        )
    }
}

/// A multipart upload in progress for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    pub upload_id: String,
    pub file_key: String,
    pub file_url: String,
    pub part_size: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub job_id: String,
    pub local_session: String,
    pub kind: FileKind,
    pub file: String,
    pub size: u64,
    pub mtime_ns: i64,
    pub extension: String,
    pub content_type: String,
    pub state: JobState,
    pub error: Option<String>,
    pub plan: Option<UploadPlan>,
    /// Set once the bytes are stored (multipart complete or single PUT done).
    pub stored_key: Option<String>,
    pub stored_url: Option<String>,
    /// Video length from the probe, for `durationMinutes`.
    pub duration_secs: Option<f64>,
    /// A recording still being written: its full parts are uploaded as they appear;
    /// size and mtime are fixed only when it is finished.
    pub growing: bool,
}

/// A session as this machine knows it: created locally first, mapped to the server's
/// id once the server has answered.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSession {
    pub local_id: String,
    pub server_id: Option<String>,
    pub title: Option<String>,
}

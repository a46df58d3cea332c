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

    /// States the runner still has work for (the rule lives in `lifecycle`).
    pub fn is_pending(self) -> bool {
        crate::lifecycle::is_pending(self)
    }
}

/// How far a job's bytes got: one value, so a row cannot claim a plan and a stored
/// object at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    NotStarted,
    /// A multipart upload is open; its confirmed parts are in the queue's parts table.
    Multipart(UploadPlan),
    /// Storage holds the whole file.
    Stored {
        key: String,
        url: String,
    },
}

/// A multipart upload in progress for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    pub upload_id: String,
    pub file_key: String,
    pub file_url: String,
    pub part_size: u64,
    /// What each part is signed with; fixed for the upload's life (storage was told at
    /// its creation).
    pub checksum: PartChecksum,
}

/// The checksum signed into each part's URL: storage refuses bytes that do not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartChecksum {
    /// `Content-MD5`: every S3 store checks it; the client's biggest CPU cost.
    #[default]
    Md5,
    /// `x-amz-checksum-crc32c`: a fraction of MD5's cost; where the server says storage
    /// checks it.
    Crc32c,
}

impl PartChecksum {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Crc32c => idance_contract::CHECKSUM_CRC32C,
        }
    }

    /// A stored name; anything unknown (NULL in older queues) is MD5.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some(idance_contract::CHECKSUM_CRC32C) => Self::Crc32c,
            _ => Self::Md5,
        }
    }
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
    /// Why the job failed or waits, in words.
    pub error: Option<String>,
    /// Why a `waiting` job waits, as data.
    pub wait_reason: Option<crate::lifecycle::WaitReason>,
    pub transfer: Transfer,
    /// Video length from the probe, for `durationMinutes`.
    pub duration_secs: Option<f64>,
    /// A recording still being written: its full parts are uploaded as they appear;
    /// size and mtime are fixed only when it is finished.
    pub growing: bool,
}

impl Job {
    /// The open multipart upload, if any.
    pub fn plan(&self) -> Option<&UploadPlan> {
        match &self.transfer {
            Transfer::Multipart(p) => Some(p),
            _ => None,
        }
    }

    /// (key, url) once storage holds the file.
    pub fn stored(&self) -> Option<(&str, &str)> {
        match &self.transfer {
            Transfer::Stored { key, url } => Some((key, url)),
            _ => None,
        }
    }

    /// The object key the job's bytes go to, once known.
    pub fn file_key(&self) -> Option<&str> {
        match &self.transfer {
            Transfer::NotStarted => None,
            Transfer::Multipart(p) => Some(&p.file_key),
            Transfer::Stored { key, .. } => Some(key),
        }
    }
}

/// A session as this machine knows it: created locally first, mapped to the server's
/// id once the server has answered.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSession {
    pub local_id: String,
    pub server_id: Option<String>,
    pub title: Option<String>,
}

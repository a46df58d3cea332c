//! Why an upload stopped, and so what happens to the job.

use crate::api::ClientError;
use crate::queue::QueueError;
use idance_contract::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file vanished or changed after it was queued: the user decides.
    #[error("{0}")]
    Source(String),
    /// The service refused the request for a reason retrying cannot fix.
    #[error("{0}")]
    Rejected(String),
    /// The token expired or was revoked: the queue waits for a new sign-in.
    #[error("sign in again: {0}")]
    SignIn(String),
    /// The service or storage stayed unreachable; the job waits.
    #[error("waiting for the network: {0}")]
    Offline(String),
    /// What storage holds is not what was sent.
    #[error("upload check failed: {0}")]
    Integrity(String),
    /// Storage no longer has the multipart upload (aborted, or expired by a lifecycle
    /// rule): the one reason to start a file over.
    #[error("the multipart upload no longer exists")]
    UploadGone,
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("cancelled")]
    Cancelled,
}

impl From<ClientError> for UploadError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Unauthorized(d) => Self::SignIn(d),
            ClientError::Rejected {
                code: Some(ErrorCode::NoSuchUpload),
                ..
            } => Self::UploadGone,
            ClientError::Offline(_) | ClientError::Server { .. } => Self::Offline(e.to_string()),
            ClientError::Rejected { .. } | ClientError::Protocol(_) => {
                Self::Rejected(e.to_string())
            }
        }
    }
}

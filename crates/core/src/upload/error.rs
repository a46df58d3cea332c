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
    /// Storage kept failing or refusing links; the job waits and is tried again later.
    #[error("waiting for storage: {0}")]
    Storage(String),
    /// Links expired as soon as they were signed: a clock is off; the job waits.
    #[error("{0}")]
    Clock(String),
    /// What storage holds is not what was sent.
    #[error("upload check failed: {0}")]
    Integrity(String),
    /// Storage no longer has the multipart upload (aborted, or expired by a lifecycle
    /// rule): the one reason to start a file over.
    #[error("the multipart upload no longer exists")]
    UploadGone,
    /// Storage refused to complete the upload from the parts it lists (`invalid_part`):
    /// Garage, killed in the middle of a part sent again, keeps that unfinished copy as
    /// the part's newest and refuses every completion. Only a new upload gets past it.
    #[error("storage refused the upload's parts: {0}")]
    PartsRefused(String),
    /// The service says the thing is done already (409): for a multipart upload, it
    /// was completed and the answer lost.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("cancelled")]
    Cancelled,
}

impl UploadError {
    /// Where the job goes after this error, per the lifecycle; None: it stays (a pause,
    /// a cancel or this runner stopping).
    pub fn transition(&self) -> Option<crate::lifecycle::Transition> {
        use crate::lifecycle::{Transition, WaitReason};
        Some(match self {
            Self::Cancelled | Self::Queue(_) => return None,
            Self::Offline(_) => Transition::Wait(WaitReason::Network),
            Self::SignIn(_) => Transition::Wait(WaitReason::SignIn),
            Self::Storage(_) => Transition::Wait(WaitReason::Storage),
            Self::Clock(_) => Transition::Wait(WaitReason::Clock),
            Self::Source(_)
            | Self::Rejected(_)
            | Self::Conflict(_)
            | Self::PartsRefused(_)
            | Self::Integrity(_)
            | Self::UploadGone => Transition::Fail,
        })
    }
}

impl From<ClientError> for UploadError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Unauthorized(d) => Self::SignIn(d),
            // The sign-in cannot be renewed or kept: only the user can help.
            ClientError::Refused(_) | ClientError::Keychain(_) => Self::SignIn(e.to_string()),
            ClientError::Rejected {
                code: Some(ErrorCode::NoSuchUpload),
                ..
            } => Self::UploadGone,
            ClientError::Rejected {
                code: Some(ErrorCode::Conflict),
                ..
            } => Self::Conflict(e.to_string()),
            ClientError::Rejected {
                code: Some(ErrorCode::InvalidPart),
                ..
            } => Self::PartsRefused(e.to_string()),
            ClientError::Offline(_) | ClientError::Server { .. } => Self::Offline(e.to_string()),
            ClientError::Rejected { .. } | ClientError::Protocol(_) | ClientError::NoLibrary => {
                Self::Rejected(e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Transition;

    /// Seen in a 1000-round chaos run: Garage answered every completion of one upload
    /// with InvalidPart (an unfinished copy of a part, left by a kill, counted as the
    /// newest) and the job failed for good. That answer now starts a new upload
    /// (`multipart::upload`); only three in a row fail the job.
    #[test]
    fn storage_refusing_the_listed_parts_starts_the_upload_over() {
        let refused = UploadError::from(ClientError::Rejected {
            status: 400,
            detail: "CompleteMultipartUpload: InvalidPart".into(),
            code: Some(ErrorCode::InvalidPart),
        });
        assert!(
            matches!(refused, UploadError::PartsRefused(_)),
            "{refused:?}"
        );
        assert_eq!(refused.transition(), Some(Transition::Fail));
        let other = UploadError::from(ClientError::Rejected {
            status: 400,
            detail: "bad".into(),
            code: Some(ErrorCode::BadRequest),
        });
        assert!(matches!(other, UploadError::Rejected(_)));
    }
}

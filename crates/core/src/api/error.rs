//! What can go wrong talking to the API, sorted by what the caller should do about it.

use super::sign_in::Refusal;
use idance_contract::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 401: the token expired or was revoked; the user must sign in again.
    #[error("the server refused the sign-in token ({0}); sign in again")]
    Unauthorized(String),
    /// The server could not be reached; try again later.
    #[error("cannot reach the upload service: {0}")]
    Offline(String),
    /// 5xx or 429: the server had a problem; try again later (not before
    /// `retry_after` seconds when it said so).
    #[error("the upload service failed ({status}): {detail}")]
    Server {
        status: u16,
        detail: String,
        retry_after: Option<u64>,
    },
    /// Any other 4xx: retrying the same request will not help.
    #[error("the upload service refused the request ({status}): {detail}")]
    Rejected {
        status: u16,
        detail: String,
        code: Option<ErrorCode>,
    },
    /// The server refused a sign-in with email and password.
    #[error("{0}")]
    Refused(Refusal),
    /// The sign-in could not be kept on this computer (the keychain or the data
    /// folder refused it).
    #[error("cannot keep the sign-in on this computer: {0}")]
    Keychain(String),
    /// The server has no library endpoints (a server without Part D).
    #[error(
        "this server keeps no library (no `library` capability): sessions are listed only on the computer that uploaded them"
    )]
    NoLibrary,
    /// A 2xx answer we could not read.
    #[error("the upload service answered something unreadable: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Worth retrying later with the same input.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Offline(_) | Self::Server { .. })
    }

    /// How long the server asked to wait before the next try.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Server {
                retry_after: Some(s),
                ..
            } => Some(std::time::Duration::from_secs(*s)),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } | Self::Rejected { status, .. } => Some(*status),
            Self::Unauthorized(_) => Some(401),
            _ => None,
        }
    }

    /// Every reqwest error is the network's: we decode bodies ourselves (serde_json,
    /// after the whole body arrived), so reqwest's "error decoding response body" means
    /// the connection died mid-body, which is worth retrying like any reset.
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        // Never include the URL: presigned URLs carry signatures.
        Self::Offline(e.without_url().to_string())
    }

    /// Builds the error for a non-2xx answer; bodies may be ours (`detail` + `code`),
    /// Part A servers' (`detail` only, maybe not a string) or not JSON at all.
    pub(crate) fn from_answer(status: u16, body: &str, retry_after: Option<u64>) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
        let detail = match json.as_ref().and_then(|j| j.get("detail")) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => body.chars().take(200).collect(),
        };
        let code = json
            .as_ref()
            .and_then(|j| j.get("code"))
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        match status {
            401 => Self::Unauthorized(detail),
            429 | 500..=599 => Self::Server {
                status,
                detail,
                retry_after,
            },
            _ => Self::Rejected {
                status,
                detail,
                code,
            },
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our server).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_by_what_to_do() {
        assert!(
            matches!(ClientError::from_answer(401, r#"{"detail":"expired"}"#, None), ClientError::Unauthorized(d) if d == "expired")
        );
        assert!(ClientError::from_answer(503, "<html>down</html>", None).is_transient());
        assert!(ClientError::from_answer(429, "", Some(3)).is_transient());
        let e = ClientError::from_answer(
            422,
            r#"{"detail":[{"loc":["body"],"msg":"field required"}]}"#,
            None,
        );
        assert!(!e.is_transient());
        assert!(e.to_string().contains("field required"), "{e}");
        let e = ClientError::from_answer(404, r#"{"detail":"gone","code":"no_such_upload"}"#, None);
        assert!(matches!(
            e,
            ClientError::Rejected {
                code: Some(ErrorCode::NoSuchUpload),
                ..
            }
        ));
    }
}

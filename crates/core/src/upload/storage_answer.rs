//! Reading what storage answered to a presigned request.

/// What to do after storage answered a PUT.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The URL expired: ask the server for a fresh one (AWS: 403 "Request has expired";
    /// Garage: 400 "Date is too old").
    Resign,
    /// The multipart upload is gone (aborted or expired): start a new one.
    UploadGone,
    /// Try again after a pause (5xx, 429, a checksum mismatch in transit).
    Retry,
    /// Retrying will not help.
    Refuse,
}

pub fn judge(status: u16, body: &str) -> Verdict {
    let code = xml_tag(body, "Code").unwrap_or_default();
    let message = xml_tag(body, "Message")
        .unwrap_or_default()
        .to_ascii_lowercase();
    match (status, code.as_str()) {
        (_, "NoSuchUpload") => Verdict::UploadGone,
        (403 | 400, _) if message.contains("expired") || message.contains("too old") => {
            Verdict::Resign
        }
        (400, "BadDigest") | (400, "RequestTimeout") | (400, "IncompleteBody") => Verdict::Retry,
        (408 | 429, _) | (500..=599, _) => Verdict::Retry,
        _ => Verdict::Refuse,
    }
}

fn xml_tag(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_recognised_on_aws_and_garage() {
        let aws = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        let garage = "<Error><Code>InvalidRequest</Code><Message>Bad request: Date is too old</Message></Error>";
        assert_eq!(judge(403, aws), Verdict::Resign);
        assert_eq!(judge(400, garage), Verdict::Resign);
        assert_eq!(
            judge(404, "<Error><Code>NoSuchUpload</Code></Error>"),
            Verdict::UploadGone
        );
        assert_eq!(judge(503, "busy"), Verdict::Retry);
        assert_eq!(
            judge(400, "<Error><Code>BadDigest</Code></Error>"),
            Verdict::Retry
        );
        assert_eq!(
            judge(
                403,
                "<Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error>"
            ),
            Verdict::Refuse
        );
        // A bare AccessDenied (a bucket policy, a revoked key) is not an expiry:
        // signing again would loop.
        assert_eq!(
            judge(403, "<Error><Code>AccessDenied</Code></Error>"),
            Verdict::Refuse
        );
    }
}

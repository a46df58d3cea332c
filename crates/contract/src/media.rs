//! Which file extensions and content types each kind of file may have.

use crate::keys::FileKind;

/// An allowed (extension, content type) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub extension: &'static str,
    pub content_type: &'static str,
}

const VIDEO_TYPES: &[MediaType] = &[
    MediaType {
        extension: "mp4",
        content_type: "video/mp4",
    },
    MediaType {
        extension: "mov",
        content_type: "video/quicktime",
    },
    MediaType {
        extension: "webm",
        content_type: "video/webm",
    },
    MediaType {
        extension: "mkv",
        content_type: "video/x-matroska",
    },
];

const THUMBNAIL_TYPES: &[MediaType] = &[
    MediaType {
        extension: "jpg",
        content_type: "image/jpeg",
    },
    MediaType {
        extension: "jpeg",
        content_type: "image/jpeg",
    },
    MediaType {
        extension: "png",
        content_type: "image/png",
    },
    MediaType {
        extension: "webp",
        content_type: "image/webp",
    },
];

/// Why a (extension, content type) request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaTypeError {
    #[error("file extension '{0}' is not allowed for a {1}; allowed: {2}")]
    Extension(String, &'static str, String),
    #[error("content type '{0}' is not allowed for a {1}; allowed: {2}")]
    ContentType(String, &'static str, String),
    #[error(
        "file extension '{extension}' does not match content type '{content_type}' (expected '{expected}')"
    )]
    Mismatch {
        extension: String,
        content_type: String,
        expected: &'static str,
    },
}

impl MediaType {
    pub fn allowed(kind: FileKind) -> &'static [MediaType] {
        match kind {
            FileKind::Video => VIDEO_TYPES,
            FileKind::Thumbnail => THUMBNAIL_TYPES,
        }
    }

    /// The type used when a request names neither extension nor content type.
    pub fn default_for(kind: FileKind) -> MediaType {
        Self::allowed(kind)[0]
    }

    pub fn for_extension(kind: FileKind, extension: &str) -> Option<MediaType> {
        let ext = extension.trim_start_matches('.').to_ascii_lowercase();
        Self::allowed(kind)
            .iter()
            .copied()
            .find(|m| m.extension == ext)
    }

    /// Resolves the optional extension and content type of an upload request.
    /// Either may be absent (the other decides, else the kind's default); when both
    /// are given they must agree.
    pub fn resolve(
        kind: FileKind,
        extension: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<MediaType, MediaTypeError> {
        let list = || {
            Self::allowed(kind)
                .iter()
                .map(|m| format!("{} ({})", m.extension, m.content_type))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let by_ext = match extension {
            Some(e) => Some(
                Self::for_extension(kind, e)
                    .ok_or_else(|| MediaTypeError::Extension(e.to_string(), kind.noun(), list()))?,
            ),
            None => None,
        };
        let by_type = match content_type {
            Some(ct) => {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                Some(
                    Self::allowed(kind)
                        .iter()
                        .copied()
                        .find(|m| m.content_type == essence)
                        .ok_or_else(|| {
                            MediaTypeError::ContentType(ct.to_string(), kind.noun(), list())
                        })?,
                )
            }
            None => None,
        };
        match (by_ext, by_type) {
            (Some(e), Some(t)) if e.content_type != t.content_type => {
                Err(MediaTypeError::Mismatch {
                    extension: e.extension.to_string(),
                    content_type: t.content_type.to_string(),
                    expected: e.content_type,
                })
            }
            (Some(e), _) => Ok(e),
            (None, Some(t)) => Ok(t),
            (None, None) => Ok(Self::default_for(kind)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_and_type_must_agree() {
        assert!(MediaType::resolve(FileKind::Video, Some("mp4"), Some("video/mp4")).is_ok());
        assert!(matches!(
            MediaType::resolve(FileKind::Video, Some("mov"), Some("video/mp4")),
            Err(MediaTypeError::Mismatch { .. })
        ));
        assert_eq!(
            MediaType::resolve(FileKind::Video, None, Some("video/webm")).map(|m| m.extension),
            Ok("webm")
        );
    }

    #[test]
    fn defaults_and_refusals() {
        assert_eq!(
            MediaType::resolve(FileKind::Thumbnail, None, None).map(|m| m.extension),
            Ok("jpg")
        );
        assert!(MediaType::resolve(FileKind::Video, Some("exe"), None).is_err());
        assert!(MediaType::resolve(FileKind::Video, None, Some("image/png")).is_err());
        assert_eq!(
            MediaType::resolve(
                FileKind::Thumbnail,
                Some(".JPEG"),
                Some("image/jpeg; charset=x")
            )
            .map(|m| m.extension),
            Ok("jpeg")
        );
    }
}

//! Object-key layout: `sessions|thumbnails/{user_id}/{session_id}/{YYYYMMDD}_{HHMMSS}_{unique}.{ext}`.
//!
//! Only the server makes keys; every key a client sends back is parsed strictly here
//! before anything touches storage.

use crate::media::MediaType;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::fmt;
use uuid::Uuid;

/// What a stored object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Video,
    Thumbnail,
}

impl FileKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Video => "sessions",
            Self::Thumbnail => "thumbnails",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Thumbnail => "thumbnail",
        }
    }

    fn from_prefix(prefix: &str) -> Option<Self> {
        match prefix {
            "sessions" => Some(Self::Video),
            "thumbnails" => Some(Self::Thumbnail),
            _ => None,
        }
    }
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("file key is empty")]
    Empty,
    #[error("file key is too long")]
    TooLong,
    #[error("file key must not contain '..', empty segments, encoded characters or backslashes")]
    Unsafe,
    #[error(
        "file key must look like sessions|thumbnails/<user>/<session>/<YYYYMMDD>_<HHMMSS>_<id>.<ext>"
    )]
    Shape,
    #[error("file key has an invalid user id")]
    User,
    #[error("file key has an invalid session id")]
    Session,
    #[error("file key has an invalid file name (expected <YYYYMMDD>_<HHMMSS>_<32 hex>.<ext>)")]
    FileName,
    #[error("file key has an extension not allowed for a {0}")]
    Extension(&'static str),
}

/// A parsed, validated object key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    pub kind: FileKind,
    pub user_id: String,
    pub session_id: String,
    /// `{YYYYMMDD}_{HHMMSS}_{unique}.{ext}`
    pub file_name: String,
    pub extension: String,
}

const MAX_KEY_LEN: usize = 512;

/// `^[A-Za-z0-9_-]{1,64}$`: the contract's rule for user ids (the JWT `sub`).
pub fn is_valid_user_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Session ids are lowercase hyphenated UUIDs (the server makes them).
pub fn is_valid_session_id(s: &str) -> bool {
    s.len() == 36 && Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

impl FileKey {
    /// Makes a fresh key for `kind` at `now` (UTC); a random UUID keeps keys unique.
    pub fn generate(
        kind: FileKind,
        user_id: &str,
        session_id: &str,
        media: MediaType,
        now: DateTime<Utc>,
    ) -> Self {
        let unique = Uuid::new_v4().simple().to_string();
        let file_name = format!(
            "{}_{unique}.{}",
            now.format("%Y%m%d_%H%M%S"),
            media.extension
        );
        Self {
            kind,
            user_id: user_id.to_string(),
            session_id: session_id.to_string(),
            file_name,
            extension: media.extension.to_string(),
        }
    }

    /// Parses a key a client sent. Rejects anything the server could not have made.
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        if key.len() > MAX_KEY_LEN {
            return Err(KeyError::TooLong);
        }
        if key.contains("..")
            || key.contains("//")
            || key.contains('%')
            || key.contains('\\')
            || key.starts_with('/')
        {
            return Err(KeyError::Unsafe);
        }
        let segments: Vec<&str> = key.split('/').collect();
        let [prefix, user, session, name] = segments.as_slice() else {
            return Err(KeyError::Shape);
        };
        let kind = FileKind::from_prefix(prefix).ok_or(KeyError::Shape)?;
        if !is_valid_user_id(user) {
            return Err(KeyError::User);
        }
        if !is_valid_session_id(session) {
            return Err(KeyError::Session);
        }
        let (stem, ext) = name.rsplit_once('.').ok_or(KeyError::FileName)?;
        let media = MediaType::for_extension(kind, ext).ok_or(KeyError::Extension(kind.noun()))?;
        if media.extension != ext {
            // upper-case extensions are never generated
            return Err(KeyError::Extension(kind.noun()));
        }
        // stem: YYYYMMDD_HHMMSS_<32 lowercase hex>
        let (stamp, unique) = stem.split_at_checked(15).ok_or(KeyError::FileName)?;
        let unique = unique.strip_prefix('_').ok_or(KeyError::FileName)?;
        if NaiveDateTime::parse_from_str(stamp, "%Y%m%d_%H%M%S").is_err()
            || unique.len() != 32
            || !unique
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(KeyError::FileName);
        }
        Ok(Self {
            kind,
            user_id: user.to_string(),
            session_id: session.to_string(),
            file_name: name.to_string(),
            extension: ext.to_string(),
        })
    }

    pub fn media_type(&self) -> Option<MediaType> {
        MediaType::for_extension(self.kind, &self.extension)
    }
}

impl fmt::Display for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.kind.prefix(),
            self.user_id,
            self.session_id,
            self.file_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SESSION: &str = "0b8e4a3c-1d2f-4e5a-9b6c-7d8e9f0a1b2c";

    fn video_key() -> FileKey {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 7, 5, 9).unwrap();
        FileKey::generate(
            FileKind::Video,
            "user_1",
            SESSION,
            MediaType::default_for(FileKind::Video),
            now,
        )
    }

    #[test]
    fn generated_keys_follow_the_layout_and_round_trip() {
        let key = video_key();
        let s = key.to_string();
        assert!(
            s.starts_with(&format!("sessions/user_1/{SESSION}/20261126_070509_")),
            "{s}"
        );
        assert!(s.ends_with(".mp4"));
        assert_eq!(FileKey::parse(&s), Ok(key));
    }

    #[test]
    fn generated_keys_never_collide() {
        assert_ne!(video_key().to_string(), video_key().to_string());
    }

    #[test]
    fn hostile_and_malformed_keys_are_refused() {
        let good = video_key().to_string();
        let cases = [
            String::new(),
            format!("{good}/.."),
            good.replace("user_1", ".."),
            good.replace("user_1", "user%2F1"),
            good.replace("sessions/", "sessions//"),
            format!("/{good}"),
            good.replace("sessions", "other"),
            good.replace("user_1", "user 1"),
            good.replace(SESSION, "not-a-session"),
            good.replace(SESSION, &SESSION.to_uppercase()),
            good.replace(".mp4", ".exe"),
            good.replace(".mp4", ".MP4"),
            good.replace(".mp4", ".jpg"),
            good.replace("_07", "_99"),
            format!("{good}x"),
            "sessions/u/x".to_string(),
            "a".repeat(600),
        ];
        for case in cases {
            assert!(FileKey::parse(&case).is_err(), "accepted {case:?}");
        }
    }

    #[test]
    fn user_id_rule() {
        assert!(is_valid_user_id("Ab-_9"));
        assert!(!is_valid_user_id(""));
        assert!(!is_valid_user_id(&"a".repeat(65)));
        assert!(!is_valid_user_id("a/b"));
    }
}

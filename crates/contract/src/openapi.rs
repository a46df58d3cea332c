//! Schemas of the contract's rules that a Rust type does not carry (key layout, the
//! allowed media types, a canonical base64 MD5), for the server's OpenAPI document.
//! Built from the same tables the server checks with, so they cannot disagree.

use crate::keys::FileKind;
use crate::media::MediaType;
use serde_json::Value;
use utoipa::openapi::schema::{Object, SchemaFormat, SchemaType, Type};

/// A user id as the contract allows it (the JWT `sub`).
const USER: &str = "[A-Za-z0-9_-]{1,64}";
const SESSION: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/// `YYYYMMDD`: real dates only, as the server's parser takes them (leap years included:
/// February 29th of a year divisible by 4, not by 100 unless by 400).
const DATE: &str = concat!(
    "([0-9]{4}((0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31)",
    "|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)0229)"
);
/// `_HHMMSS_<32 hex>`
const TIME_AND_ID: &str = "_([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]_[0-9a-f]{32}";
/// Base64 of 16 bytes, canonical: the last character before `==` carries 2 bits.
pub const MD5_PATTERN: &str = "^[A-Za-z0-9+/]{21}[AQgw]==$";

/// The key layout of one kind, as a regular expression (without anchors).
fn key_of(kind: FileKind) -> String {
    let exts: Vec<&str> = MediaType::allowed(kind)
        .iter()
        .map(|m| m.extension)
        .collect();
    format!(
        "{}/{USER}/{SESSION}/{DATE}{TIME_AND_ID}\\.({})",
        kind.prefix(),
        exts.join("|")
    )
}

/// The pattern every key the server makes matches: `None` for either kind.
pub fn key_pattern(kind: Option<FileKind>) -> String {
    match kind {
        Some(k) => format!("^{}$", key_of(k)),
        None => format!(
            "^({}|{})$",
            key_of(FileKind::Video),
            key_of(FileKind::Thumbnail)
        ),
    }
}

fn string(description: &str) -> utoipa::openapi::schema::ObjectBuilder {
    Object::builder()
        .schema_type(Type::String)
        .description(Some(description))
}

/// For `Option` fields: the server takes `null` as absent.
fn nullable(description: &str) -> utoipa::openapi::schema::ObjectBuilder {
    Object::builder()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .description(Some(description))
}

fn key_schema(kind: Option<FileKind>, what: &str) -> Object {
    string(what).pattern(Some(key_pattern(kind))).build()
}

/// Any stored file's key.
pub fn file_key() -> Object {
    key_schema(None, "An object key the server made")
}

/// A video's key (`sessions/…`).
pub fn video_key() -> Object {
    key_schema(Some(FileKind::Video), "A video's object key")
}

/// A thumbnail's key (`thumbnails/…`); thumbnails are optional, so `null` is absent.
pub fn thumbnail_key() -> Object {
    nullable("A thumbnail's object key")
        .pattern(Some(key_pattern(Some(FileKind::Thumbnail))))
        .build()
}

/// A session id (the server makes lowercase hyphenated UUIDs).
pub fn session_id() -> Object {
    string("A session id the server made")
        .format(Some(SchemaFormat::Custom("uuid".into())))
        .pattern(Some(format!("^{SESSION}$")))
        .build()
}

/// An optional request field that names one of a kind's media types (or is `null`).
fn media_enum(kind: FileKind, field: fn(&MediaType) -> &'static str, what: &str) -> Object {
    let mut values: Vec<Value> = MediaType::allowed(kind)
        .iter()
        .map(|m| field(m).into())
        .collect();
    values.dedup();
    values.push(Value::Null);
    nullable(what).enum_values(Some(values)).build()
}

pub fn video_extension() -> Object {
    media_enum(FileKind::Video, |m| m.extension, "A video file's extension")
}

pub fn video_content_type() -> Object {
    media_enum(
        FileKind::Video,
        |m| m.content_type,
        "A video's content type",
    )
}

pub fn thumbnail_extension() -> Object {
    media_enum(
        FileKind::Thumbnail,
        |m| m.extension,
        "A thumbnail's extension",
    )
}

pub fn thumbnail_content_type() -> Object {
    media_enum(
        FileKind::Thumbnail,
        |m| m.content_type,
        "A thumbnail's content type",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileKey;
    use chrono::Utc;

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    #[test]
    fn every_key_the_server_makes_matches_its_pattern_and_no_other() {
        let session = uuid::Uuid::new_v4().hyphenated().to_string();
        for kind in [FileKind::Video, FileKind::Thumbnail] {
            let other = match kind {
                FileKind::Video => FileKind::Thumbnail,
                FileKind::Thumbnail => FileKind::Video,
            };
            for &media in MediaType::allowed(kind) {
                let key = FileKey::generate(kind, "u-1_A", &session, media, Utc::now()).to_string();
                assert!(matches(&key_pattern(Some(kind)), &key), "{key}");
                assert!(matches(&key_pattern(None), &key), "{key}");
                assert!(!matches(&key_pattern(Some(other)), &key), "{key}");
                // What the pattern refuses, the parser refuses too.
                for bad in [
                    format!("{key}x"),
                    format!("x{key}"),
                    key.replace(&session, &session.to_uppercase()),
                ] {
                    assert!(!matches(&key_pattern(None), &bad), "{bad}");
                    assert!(FileKey::parse(&bad).is_err(), "{bad}");
                }
            }
        }
    }

    #[test]
    fn the_pattern_takes_exactly_the_dates_the_parser_takes() {
        let session = uuid::Uuid::new_v4().hyphenated().to_string();
        let key = |date: &str| format!("sessions/u/{session}/{date}_235959_{}.mp4", "a".repeat(32));
        for (date, real) in [
            ("20261202", true),
            ("20280229", true),
            ("20000229", true),
            ("20270229", false),
            ("19000229", false),
            ("20260431", false),
            ("20260531", true),
            ("20260230", false),
            ("20261301", false),
            ("20260100", false),
        ] {
            assert_eq!(matches(&key_pattern(None), &key(date)), real, "{date}");
            assert_eq!(FileKey::parse(&key(date)).is_ok(), real, "{date}");
        }
    }

    #[test]
    fn the_md5_pattern_takes_exactly_canonical_base64_of_16_bytes() {
        use base64::Engine;
        for seed in 0u8..=255 {
            let digest = [seed; 16];
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            assert!(matches(MD5_PATTERN, &b64), "{b64}");
        }
        // 'B' before '==' has bits the 16th byte does not have: not canonical.
        assert!(!matches(MD5_PATTERN, "AAAAAAAAAAAAAAAAAAAAAB=="));
        assert!(
            base64::engine::general_purpose::STANDARD
                .decode("AAAAAAAAAAAAAAAAAAAAAB==")
                .is_err()
        );
    }
}

//! The iDance upload API's contract in types: request/response bodies, error codes,
//! media types and the object-key layout. The server and the client both compile
//! against this crate, so the wire format has exactly one definition.

pub mod error;
pub mod keys;
pub mod media;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod wire;

pub use error::{ErrorBody, ErrorCode};
pub use keys::{FileKey, FileKind, KeyError};
pub use media::MediaType;

/// Smallest part S3 accepts for every part but the last (AWS rule, enforced by our server).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Smallest part size our server hands out.
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;
/// S3's limit on parts per upload.
pub const MAX_PART_COUNT: u32 = 10_000;
/// Most part URLs one `/api/s3/multipart/sign` call returns.
pub const MAX_SIGN_BATCH: usize = 100;
/// ⊕ The part checksum a server may announce and a client may ask for instead of MD5.
pub const CHECKSUM_CRC32C: &str = "crc32c";
/// Longest `client_ref` accepted by `/api/sessions/start`.
pub const MAX_CLIENT_REF_LEN: usize = 128;
/// Longest session `title` accepted by `/api/sessions/start`.
pub const MAX_TITLE_LEN: usize = 200;
/// Longest title `PATCH /api/sessions/{id}` sets (library.md).
pub const MAX_RENAME_LEN: usize = 120;
/// Sessions per page of `GET /api/sessions`: at most, and when the client names none.
pub const MAX_LIBRARY_PAGE: u32 = 200;
pub const DEFAULT_LIBRARY_PAGE: u32 = 50;

//! Puts a finished object where s3s-fs 0.14.1 serves it from: the data at
//! `{root}/{bucket}/{key}` plus its two side files (content type, ETag). s3s-fs is
//! pinned to that exact version because this mirrors its private layout; the store's
//! contract tests (HEAD and GET after a multipart complete) catch a change.

use super::multipart::write_atomic;
use base64::Engine;
use std::path::Path;
use tokio::fs;

pub struct ObjectMeta {
    pub content_type: Option<String>,
    pub etag: String,
}

fn side_file(root: &Path, bucket: &str, key: &str, suffix: &str) -> std::path::PathBuf {
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    root.join(format!(
        ".bucket-{}.object-{}.{suffix}",
        enc(bucket),
        enc(key)
    ))
}

/// Moves `assembled` into place as the object `bucket/key`.
pub async fn install(
    root: &Path,
    bucket: &str,
    key: &str,
    assembled: &Path,
    meta: &ObjectMeta,
) -> std::io::Result<()> {
    let dest = root.join(bucket).join(key);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).await?;
    }
    let mut attrs = serde_json::Map::new();
    if let Some(ct) = &meta.content_type {
        attrs.insert("content_type".into(), ct.clone().into());
    }
    let mut info = serde_json::Map::new();
    info.insert("e_tag".into(), meta.etag.clone().into());
    write_atomic(
        &side_file(root, bucket, key, "metadata.json"),
        &serde_json::to_vec(&attrs)?,
    )
    .await?;
    write_atomic(
        &side_file(root, bucket, key, "internal.json"),
        &serde_json::to_vec(&info)?,
    )
    .await?;
    fs::rename(assembled, dest).await
}

//! Multipart uploads for the embedded store, done the way AWS does them (s3s-fs 0.14
//! lists parts without ETags, accepts wrong ETags at Complete and keeps answering for
//! aborted uploads; resume depends on all three).
//!
//! Layout: `{dir}/{upload_id}/meta.json` and one `{part:05}-{md5hex}.part` file per
//! part. The MD5 is in the file name so a part and its ETag appear in one atomic rename.

use super::objects::{self, ObjectMeta};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};
use s3s::dto::{ETag, Part};
use s3s::{S3Result, s3_error};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio::fs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
struct UploadMeta {
    bucket: String,
    key: String,
    content_type: Option<String>,
}

/// A part stored on disk.
#[derive(Debug, Clone)]
pub struct StoredPart {
    pub number: i32,
    pub md5_hex: String,
    pub size: u64,
    path: PathBuf,
}

#[derive(Debug)]
pub struct Multipart {
    dir: PathBuf,
}

fn io_err(e: std::io::Error) -> s3s::S3Error {
    s3_error!(e, InternalError, "local store I/O error")
}

impl Multipart {
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The folder of an upload this store issued for (bucket, key), else NoSuchUpload.
    async fn upload_dir(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> S3Result<(PathBuf, UploadMeta)> {
        // Only ids this store made are ever used as a path component.
        let id = Uuid::parse_str(upload_id).map_err(|_| s3_error!(NoSuchUpload))?;
        let dir = self.dir.join(id.simple().to_string());
        let meta = match fs::read(dir.join("meta.json")).await {
            Ok(bytes) => serde_json::from_slice::<UploadMeta>(&bytes)
                .map_err(|e| s3_error!(e, InternalError, "corrupt upload metadata"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(s3_error!(NoSuchUpload));
            }
            Err(e) => return Err(io_err(e)),
        };
        if meta.bucket != bucket || meta.key != key {
            return Err(s3_error!(NoSuchUpload));
        }
        Ok((dir, meta))
    }

    pub async fn create(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<String>,
    ) -> S3Result<String> {
        let id = Uuid::new_v4().simple().to_string();
        let dir = self.dir.join(&id);
        fs::create_dir_all(&dir).await.map_err(io_err)?;
        let meta = UploadMeta {
            bucket: bucket.to_string(),
            key: key.to_string(),
            content_type,
        };
        let bytes = serde_json::to_vec(&meta).map_err(|e| s3_error!(e, InternalError))?;
        write_atomic(&dir.join("meta.json"), &bytes)
            .await
            .map_err(io_err)?;
        Ok(id)
    }

    /// Streams a part to disk, checking `Content-MD5` when the client sent one.
    pub async fn upload_part<S>(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        number: i32,
        content_md5: Option<&str>,
        mut body: S,
    ) -> S3Result<String>
    where
        S: Stream<Item = Result<Bytes, s3s::StdError>> + Unpin,
    {
        if !(1..=10_000).contains(&number) {
            return Err(s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive"
            ));
        }
        let expected_md5 = match content_md5 {
            Some(b64) => Some(decode_md5(b64).ok_or_else(|| s3_error!(InvalidDigest))?),
            None => None,
        };
        let (dir, _) = self.upload_dir(bucket, key, upload_id).await?;
        let tmp = dir.join(format!("tmp-{}", Uuid::new_v4().simple()));
        let result = async {
            let mut file = fs::File::create(&tmp).await.map_err(io_err)?;
            let mut hash = Md5::new();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| s3_error!(IncompleteBody, "{e}"))?;
                hash.update(&chunk);
                file.write_all(&chunk).await.map_err(io_err)?;
            }
            file.sync_all().await.map_err(io_err)?;
            let digest: [u8; 16] = hash.finalize().into();
            if expected_md5.is_some_and(|e| e != digest) {
                return Err(s3_error!(
                    BadDigest,
                    "The Content-MD5 you specified did not match what we received."
                ));
            }
            let md5_hex = hex::encode(digest);
            fs::rename(&tmp, dir.join(format!("{number:05}-{md5_hex}.part")))
                .await
                .map_err(io_err)?;
            // A re-sent part replaces the old one.
            for old in self.parts_in(&dir).await? {
                if old.number == number && old.md5_hex != md5_hex {
                    let _ = fs::remove_file(&old.path).await;
                }
            }
            Ok(md5_hex)
        }
        .await;
        if result.is_err() {
            let _ = fs::remove_file(&tmp).await;
        }
        result
    }

    async fn parts_in(&self, dir: &Path) -> S3Result<Vec<StoredPart>> {
        let mut parts = Vec::new();
        let mut entries = fs::read_dir(dir).await.map_err(io_err)?;
        while let Some(entry) = entries.next_entry().await.map_err(io_err)? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((number, md5_hex)) =
                name.strip_suffix(".part").and_then(|s| s.split_once('-'))
            else {
                continue;
            };
            let Ok(number) = number.parse::<i32>() else {
                continue;
            };
            let size = entry.metadata().await.map_err(io_err)?.len();
            parts.push(StoredPart {
                number,
                md5_hex: md5_hex.to_string(),
                size,
                path: entry.path(),
            });
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// One page of ListParts, as S3 pages it.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        marker: Option<i32>,
        max_parts: Option<i32>,
    ) -> S3Result<(Vec<Part>, Option<i32>)> {
        let (dir, _) = self.upload_dir(bucket, key, upload_id).await?;
        let max = usize::try_from(max_parts.unwrap_or(1000).clamp(1, 1000)).unwrap_or(1000);
        let after = marker.unwrap_or(0);
        let all: Vec<StoredPart> = self
            .parts_in(&dir)
            .await?
            .into_iter()
            .filter(|p| p.number > after)
            .collect();
        let truncated = all.len() > max;
        let page: Vec<Part> = all
            .into_iter()
            .take(max)
            .map(|p| Part {
                part_number: Some(p.number),
                e_tag: Some(ETag::Strong(p.md5_hex)),
                size: i64::try_from(p.size).ok(),
                ..Default::default()
            })
            .collect();
        let next = if truncated {
            page.last().and_then(|p| p.part_number)
        } else {
            None
        };
        Ok((page, next))
    }

    /// Assembles the listed parts into the object, checking order, ETags and sizes first.
    /// Returns the multipart ETag.
    pub async fn complete(
        &self,
        objects_root: &Path,
        bucket: &str,
        key: &str,
        upload_id: &str,
        requested: &[(i32, String)],
    ) -> S3Result<String> {
        let (dir, meta) = self.upload_dir(bucket, key, upload_id).await?;
        if requested.is_empty() {
            return Err(s3_error!(
                MalformedXML,
                "You must specify at least one part"
            ));
        }
        if requested.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(s3_error!(InvalidPartOrder));
        }
        let stored = self.parts_in(&dir).await?;
        let mut chosen = Vec::with_capacity(requested.len());
        for (number, etag) in requested {
            let etag = etag.trim_matches('"');
            let part = stored
                .iter()
                .find(|p| p.number == *number && p.md5_hex == etag)
                .ok_or_else(|| {
                    s3_error!(
                        InvalidPart,
                        "part {number} with ETag {etag} was not uploaded"
                    )
                })?;
            chosen.push(part.clone());
        }
        if let Some(small) = chosen[..chosen.len() - 1]
            .iter()
            .find(|p| p.size < idance_contract::MIN_PART_SIZE)
        {
            return Err(s3_error!(
                EntityTooSmall,
                "part {} is smaller than 5 MiB",
                small.number
            ));
        }

        let assembled = dir.join("assembled.tmp");
        let mut out = fs::File::create(&assembled).await.map_err(io_err)?;
        let mut etag_hash = Md5::new();
        let mut buf = vec![0u8; 1 << 20];
        for part in &chosen {
            let mut f = fs::File::open(&part.path).await.map_err(io_err)?;
            loop {
                let n = f.read(&mut buf).await.map_err(io_err)?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n]).await.map_err(io_err)?;
            }
            let digest = hex::decode(&part.md5_hex).map_err(|e| s3_error!(e, InternalError))?;
            etag_hash.update(&digest);
        }
        out.sync_all().await.map_err(io_err)?;
        drop(out);
        let etag = format!("{}-{}", hex::encode(etag_hash.finalize()), chosen.len());

        let meta_obj = ObjectMeta {
            content_type: meta.content_type.clone(),
            etag: etag.clone(),
        };
        objects::install(objects_root, bucket, key, &assembled, &meta_obj)
            .await
            .map_err(io_err)?;
        fs::remove_dir_all(&dir).await.map_err(io_err)?;
        Ok(etag)
    }

    pub async fn abort(&self, bucket: &str, key: &str, upload_id: &str) -> S3Result<()> {
        let (dir, _) = self.upload_dir(bucket, key, upload_id).await?;
        fs::remove_dir_all(&dir).await.map_err(io_err)
    }
}

fn decode_md5(b64: &str) -> Option<[u8; 16]> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?
        .try_into()
        .ok()
}

/// Writes a small file so that readers see either nothing or all of it.
pub(crate) async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", Uuid::new_v4().simple()));
    fs::write(&tmp, bytes).await?;
    fs::rename(&tmp, path).await
}

//! One presigned PUT streamed from disk, retried whole: every file on Part A servers,
//! thumbnails and one-part videos on ours (with their checksum signed in).

use super::put_policy::{Next, PutPolicy};
use super::retry::{pause_for, until_reachable};
use super::source::digest_of_range;
use super::storage_answer::judge;
use super::transfer;
use super::{Counters, Stored, UploadError, Uploader};
use crate::api::ServerCaps;
use crate::queue::{Job, PartChecksum};
use idance_contract::FileKind;
use idance_contract::wire::{ThumbnailUploadRequest, VideoUploadRequest};
use std::time::Instant;

/// S3's limit for one PUT.
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

pub async fn upload(
    up: &Uploader,
    job: &Job,
    session_id: &str,
    caps: ServerCaps,
) -> Result<Stored, UploadError> {
    if job.size > MAX_SINGLE_PUT {
        return Err(UploadError::Rejected(format!(
            "{}: files over 5 GiB need a server with multipart uploads; this server has none",
            job.file
        )));
    }
    // Storage refuses bytes that do not match a signed checksum; Part A servers sign none.
    let digest = if caps.put_checksums {
        let kind = if caps.crc32c {
            PartChecksum::Crc32c
        } else {
            PartChecksum::Md5
        };
        Some(digest_of_range(&job.file, 0, job.size, kind).await?)
    } else {
        None
    };
    let checksum = digest.map(|d| d.put_checksum()).unwrap_or_default();
    let mut policy = PutPolicy::new(job.file.clone(), up.config.max_outage);
    loop {
        let presigned = match job.kind {
            FileKind::Video => {
                let req = VideoUploadRequest {
                    session_id: session_id.to_string(),
                    file_extension: Some(job.extension.clone()),
                    content_type: Some(job.content_type.clone()),
                    file_size_mb: Some(job.size as f64 / (1024.0 * 1024.0)),
                    checksum: checksum.clone(),
                };
                until_reachable(up, || up.api.video_upload_url(&req)).await?
            }
            FileKind::Thumbnail => {
                let req = ThumbnailUploadRequest {
                    session_id: session_id.to_string(),
                    file_extension: Some(job.extension.clone()),
                    content_type: Some(job.content_type.clone()),
                    checksum: checksum.clone(),
                };
                until_reachable(up, || up.api.thumbnail_upload_url(&req)).await?
            }
        };
        let signed_at = Instant::now();
        let connection = up.connection().await?;
        // Storage checks a link's expiry when the request starts.
        let age = signed_at.elapsed();
        let mut headers = vec![("content-type", presigned.content_type.clone())];
        if let Some(d) = digest {
            headers.push(d.header());
        }
        // A network change from here on ends the pause before the next try.
        let generation = up.api.network().generation();
        let sent =
            transfer::put(up, &presigned.upload_url, &headers, &job.file, 0, job.size).await?;
        drop(connection);
        let verdict = match sent {
            Some(r) if r.status().is_success() => {
                return Ok(Stored {
                    file_key: presigned.file_key,
                    file_url: presigned.file_url,
                    size: job.size,
                });
            }
            Some(r) => {
                let status = r.status().as_u16();
                Some(judge(status, &r.text().await.unwrap_or_default()))
            }
            // No answer: the reset may have hit the answer, not the body. Storage is
            // asked before a new link is signed (under a new key: the file would be
            // stored twice).
            None => {
                if let Some(stored) = already_stored(up, job, &presigned).await {
                    return Ok(stored);
                }
                None
            }
        };
        // Every retry signs a new link (the Part A endpoints sign one per call).
        let wait = match policy.after(verdict, &presigned.upload_url, age)? {
            Next::Resign(wait) => {
                Counters::add(&up.counters.resigns, 1);
                wait
            }
            Next::Retry(wait) => {
                Counters::add(&up.counters.retries, 1);
                wait
            }
        };
        pause_for(up, &presigned.upload_url, wait, generation).await?;
    }
}

/// Whether storage holds the whole file at the key a PUT whose answer was lost was
/// going to: the service signs a download link for its own key only when the object
/// exists (404 otherwise), and one byte of it tells the object's size. A PUT stores all
/// of its body or nothing, and storage refused bytes not matching a signed checksum; so
/// the key with the file's size is the file. Any doubt (an error, no service) answers
/// None: a new link is signed, as before.
async fn already_stored(
    up: &Uploader,
    job: &Job,
    presigned: &idance_contract::wire::UploadUrlResponse,
) -> Option<Stored> {
    let link = up.api.download_url(&presigned.file_key).await.ok()?;
    let answer = up
        .api
        .storage_http()
        .get(&link.download_url)
        .header("range", "bytes=0-0")
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    // "bytes 0-0/7306398"
    let total: u64 = answer
        .headers()
        .get("content-range")?
        .to_str()
        .ok()?
        .rsplit_once('/')?
        .1
        .parse()
        .ok()?;
    (total == job.size).then(|| Stored {
        file_key: presigned.file_key.clone(),
        file_url: presigned.file_url.clone(),
        size: job.size,
    })
}

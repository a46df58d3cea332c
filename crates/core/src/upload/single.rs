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
            None => None,
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

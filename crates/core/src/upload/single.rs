//! Part A upload: one presigned PUT streamed from disk, retried whole.

use super::retry::{backoff, pause, until_reachable};
use super::source::body_of_range;
use super::storage_answer::{Verdict, judge};
use super::{Counters, Stored, UploadError, Uploader};
use crate::queue::Job;
use idance_contract::FileKind;
use idance_contract::wire::{ThumbnailUploadRequest, VideoUploadRequest};
use std::time::Instant;

/// S3's limit for one PUT.
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

pub async fn upload(up: &Uploader, job: &Job, session_id: &str) -> Result<Stored, UploadError> {
    if job.size > MAX_SINGLE_PUT {
        return Err(UploadError::Rejected(format!(
            "{}: files over 5 GiB need a server with multipart uploads; this server has none",
            job.file
        )));
    }
    let started = Instant::now();
    let mut failures = 0u32;
    loop {
        let presigned = match job.kind {
            FileKind::Video => {
                let req = VideoUploadRequest {
                    session_id: session_id.to_string(),
                    file_extension: Some(job.extension.clone()),
                    content_type: Some(job.content_type.clone()),
                    file_size_mb: Some(job.size as f64 / (1024.0 * 1024.0)),
                };
                until_reachable(up, || up.api.video_upload_url(&req)).await?
            }
            FileKind::Thumbnail => {
                let req = ThumbnailUploadRequest {
                    session_id: session_id.to_string(),
                    file_extension: Some(job.extension.clone()),
                    content_type: Some(job.content_type.clone()),
                };
                until_reachable(up, || up.api.thumbnail_upload_url(&req)).await?
            }
        };
        let body = body_of_range(&job.file, 0, job.size).await?;
        Counters::add(&up.counters.bytes_sent, job.size);
        let sent = up
            .api
            .http()
            .put(&presigned.upload_url)
            .header("content-type", &presigned.content_type)
            .header("content-length", job.size)
            .timeout(std::time::Duration::from_secs(24 * 3600))
            .body(body)
            .send();
        let sent = tokio::select! {
            () = up.cancel.cancelled() => return Err(UploadError::Cancelled),
            sent = sent => sent,
        };
        let verdict = match sent {
            Ok(r) if r.status().is_success() => {
                return Ok(Stored {
                    file_key: presigned.file_key,
                    file_url: presigned.file_url,
                    size: job.size,
                });
            }
            Ok(r) => {
                let status = r.status().as_u16();
                let v = judge(status, &r.text().await.unwrap_or_default());
                if v == Verdict::Refuse {
                    return Err(UploadError::Rejected(format!(
                        "storage refused {} ({status})",
                        job.file
                    )));
                }
                v
            }
            Err(e) => {
                tracing::debug!(error = %e.without_url(), "single PUT failed");
                Verdict::Retry
            }
        };
        if verdict == Verdict::Resign {
            Counters::add(&up.counters.resigns, 1);
            continue;
        }
        if started.elapsed() > up.config.max_outage {
            return Err(UploadError::Offline(format!(
                "{} could not be stored",
                job.file
            )));
        }
        Counters::add(&up.counters.retries, 1);
        pause(up, backoff(failures)).await?;
        failures += 1;
    }
}

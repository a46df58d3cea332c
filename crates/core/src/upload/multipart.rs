//! Resumable multipart upload of one job. Storage is the source of truth for which
//! parts exist: on every start the part list is asked for, and only missing parts are
//! sent. Each part is signed with its checksum (CRC32C where storage checks it, else
//! MD5), so storage refuses corrupted bytes.

use super::checksum::Digest;
use super::put_policy::{Next, PutPolicy};
use super::retry::{pause, pause_for, until_reachable};
use super::source::{check_unchanged, digest_of_range};
use super::storage_answer::judge;
use super::transfer;
use super::{Counters, Progress, Stored, UploadError, Uploader};
use crate::queue::{Job, PartChecksum, UploadPlan};
use futures::StreamExt;
use idance_contract::wire::*;
use idance_contract::{MAX_PART_COUNT, MIN_PART_SIZE};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Part `n`'s (offset, length) in a file of `size` bytes.
pub fn part_range(size: u64, part_size: u64, n: u32) -> (u64, u64) {
    let offset = u64::from(n - 1) * part_size;
    (offset, part_size.min(size - offset))
}

pub fn part_count(size: u64, part_size: u64) -> u32 {
    size.div_ceil(part_size).max(1) as u32
}

pub async fn upload(up: &Uploader, job: &Job, session_id: &str) -> Result<Stored, UploadError> {
    // NoSuchUpload (aborted or expired upload) is the one reason to start over — once
    // it is clear the upload was not completed: a completion whose answer was lost (a
    // reset, a kill, a pause mid-call) looks the same from here.
    for _ in 0..3 {
        match attempt(up, job, session_id).await {
            // Found by scripts/chaos: no retry of the same parts can complete it.
            Err(UploadError::PartsRefused(why)) => {
                tracing::warn!(job_id = %job.job_id, "{why}; starting a new upload");
                up.queue
                    .set_plan(job.job_id.clone(), up.holder.clone(), None)
                    .await?;
            }
            Err(UploadError::UploadGone | UploadError::Conflict(_)) => {
                if let Some(stored) = completed_before(up, job).await? {
                    tracing::info!(job_id = %job.job_id, "the upload was completed before; not sending it again");
                    return Ok(stored);
                }
                // `idance cancel` in another process aborts the upload: that is no
                // reason to start a new one.
                if !up.queue.job(job.job_id.clone()).await?.state.is_pending() {
                    return Err(UploadError::Cancelled);
                }
                tracing::warn!(job_id = %job.job_id, "multipart upload vanished; starting a new one");
                up.queue
                    .set_plan(job.job_id.clone(), up.holder.clone(), None)
                    .await?;
            }
            other => return other,
        }
    }
    Err(UploadError::Rejected(
        "storage keeps losing the multipart upload".into(),
    ))
}

/// Whether the job's open upload was completed already (the server recorded it, or
/// storage holds the object under its key): asked by completing again with the parts
/// this queue confirmed, which the server answers as before. None: not completed.
async fn completed_before(up: &Uploader, job: &Job) -> Result<Option<Stored>, UploadError> {
    let current = up.queue.job(job.job_id.clone()).await?;
    let Some(plan) = current.plan() else {
        return Ok(None);
    };
    let parts: Vec<CompletedPart> = up
        .queue
        .parts(job.job_id.clone())
        .await?
        .into_iter()
        .map(|(n, etag, _)| CompletedPart {
            part_number: i64::from(n),
            etag,
        })
        .collect();
    if parts.is_empty() {
        return Ok(None);
    }
    let req = CompleteMultipartRequest {
        file_key: plan.file_key.clone(),
        upload_id: plan.upload_id.clone(),
        parts,
    };
    match until_reachable(up, || up.api.complete_multipart(&req)).await {
        Ok(done) if done.size == job.size && done.file_key == plan.file_key => Ok(Some(Stored {
            file_key: done.file_key,
            file_url: done.file_url,
            size: done.size,
        })),
        Ok(_)
        | Err(
            UploadError::UploadGone
            | UploadError::Conflict(_)
            | UploadError::Rejected(_)
            | UploadError::PartsRefused(_),
        ) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn plan_for(up: &Uploader, job: &Job, session_id: &str) -> Result<UploadPlan, UploadError> {
    let current = up.queue.job(job.job_id.clone()).await?;
    if let Some(plan) = current.plan() {
        return Ok(plan.clone());
    }
    let req = CreateMultipartRequest {
        session_id: session_id.to_string(),
        file_extension: Some(job.extension.clone()),
        content_type: Some(job.content_type.clone()),
        // A recording's final size is unknown: the server sizes parts for its maximum.
        file_size_bytes: (!job.growing).then_some(job.size),
        checksum_algorithm: up
            .server_caps()
            .await?
            .crc32c
            .then(|| idance_contract::CHECKSUM_CRC32C.to_string()),
    };
    let created = until_reachable(up, || up.api.create_multipart(&req)).await?;
    if created.part_size < MIN_PART_SIZE
        || (!job.growing && part_count(job.size, created.part_size) > MAX_PART_COUNT)
    {
        return Err(UploadError::Rejected(format!(
            "the server chose an unusable part size ({})",
            created.part_size
        )));
    }
    let plan = UploadPlan {
        upload_id: created.upload_id,
        file_key: created.file_key,
        file_url: created.file_url,
        part_size: created.part_size,
        // Only what the server confirms storage expects.
        checksum: PartChecksum::parse(created.checksum_algorithm.as_deref()),
    };
    up.queue
        .set_plan(job.job_id.clone(), up.holder.clone(), Some(plan.clone()))
        .await?;
    Ok(plan)
}

async fn attempt(up: &Uploader, job: &Job, session_id: &str) -> Result<Stored, UploadError> {
    let plan = plan_for(up, job, session_id).await?;
    let listed = until_reachable(up, || up.api.list_parts(&plan.file_key, &plan.upload_id)).await?;
    let on_server: HashMap<u32, StoredPart> =
        listed.into_iter().map(|p| (p.part_number, p)).collect();
    let recorded: HashMap<u32, String> = up
        .queue
        .parts(job.job_id.clone())
        .await?
        .into_iter()
        .map(|(n, e, _)| (n, e))
        .collect();

    let count = part_count(job.size, plan.part_size);
    let mut todo = Vec::new();
    let mut done_bytes = 0;
    for n in 1..=count {
        let (offset, len) = part_range(job.size, plan.part_size, n);
        let Some(sp) = on_server.get(&n).filter(|sp| sp.size == len) else {
            todo.push(n);
            continue;
        };
        let ours = if recorded.get(&n) == Some(&sp.etag) {
            true
        } else {
            // Sent before a crash but not recorded: compare checksums, do not re-send.
            let digest = digest_of_range(&job.file, offset, len, plan.checksum).await?;
            match digest.matches(sp) {
                Some(same) => same,
                // Storage reports no CRC32C: its ETag may still be a plain MD5.
                None => digest_of_range(&job.file, offset, len, PartChecksum::Md5)
                    .await?
                    .matches(sp)
                    .unwrap_or(false),
            }
        };
        if ours {
            if recorded.get(&n) != Some(&sp.etag) {
                up.queue
                    .record_part(
                        job.job_id.clone(),
                        up.holder.clone(),
                        n,
                        sp.etag.clone(),
                        len,
                    )
                    .await?;
            }
            done_bytes += len;
        } else {
            todo.push(n);
        }
    }
    tracing::info!(job_id = %job.job_id, parts = count, missing = todo.len(), "uploading parts");

    let done = AtomicU64::new(done_bytes);
    let _ = up.events.send(Progress {
        job_id: job.job_id.clone(),
        bytes_done: done_bytes,
        total: job.size,
    });
    // Three stages in one task: parts are hashed ahead of the senders (the checksum
    // goes into the signature), the hashed ones signed in batches, sent by `workers` at
    // once.
    let (hashed_tx, hashed) = tokio::sync::mpsc::channel::<Hashed>(SIGN_BATCH);
    let hash_ahead = async move {
        for n in todo {
            let (offset, len) = part_range(job.size, plan.part_size, n);
            let digest = digest_of_range(&job.file, offset, len, plan.checksum).await?;
            if hashed_tx.send(Hashed { n, digest }).await.is_err() {
                break;
            }
        }
        Ok::<_, UploadError>(())
    };
    tokio::try_join!(hash_ahead, send_hashed(up, job, &plan, hashed, &done))?;

    // The file must still be what we sent.
    check_unchanged(job)?;
    let parts: Vec<CompletedPart> = up
        .queue
        .parts(job.job_id.clone())
        .await?
        .into_iter()
        .filter(|(n, _, _)| *n <= count)
        .map(|(n, etag, _)| CompletedPart {
            part_number: i64::from(n),
            etag,
        })
        .collect();
    if parts.len() != count as usize {
        return Err(UploadError::Integrity(format!(
            "{} of {count} parts confirmed",
            parts.len()
        )));
    }
    let req = CompleteMultipartRequest {
        file_key: plan.file_key.clone(),
        upload_id: plan.upload_id.clone(),
        parts,
    };
    let completed = until_reachable(up, || up.api.complete_multipart(&req)).await?;
    Ok(Stored {
        file_key: completed.file_key,
        file_url: completed.file_url,
        size: completed.size,
    })
}

/// Sends the full parts of a recording that the recorder has written so far (bytes are
/// appended, never rewritten, so a full part is final) and are not stored yet. One pass:
/// the runner comes back for more, and other jobs are not held up meanwhile. The tail
/// goes with the normal upload after Stop.
pub async fn feed_growing(up: &Uploader, job: &Job, session_id: &str) -> Result<(), UploadError> {
    let plan = plan_for(up, job, session_id).await?;
    let len = std::fs::metadata(&job.file)
        .map_err(|e| UploadError::Source(format!("{}: {e}", job.file)))?
        .len();
    let recorded: std::collections::HashSet<u32> = up
        .queue
        .parts(job.job_id.clone())
        .await?
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    let full = (len / plan.part_size) as u32;
    for n in (1..=full).filter(|n| !recorded.contains(n)) {
        if up.cancel.is_cancelled() {
            return Err(UploadError::Cancelled);
        }
        let (offset, part_len) = part_range(len, plan.part_size, n);
        let part = Hashed {
            n,
            digest: digest_of_range(&job.file, offset, part_len, plan.checksum).await?,
        };
        let etag = send_part(up, job, &plan, part, None, len).await?;
        up.queue
            .record_part(
                job.job_id.clone(),
                up.holder.clone(),
                n,
                etag,
                plan.part_size,
            )
            .await?;
        let _ = up.events.send(Progress {
            job_id: job.job_id.clone(),
            bytes_done: u64::from(n) * plan.part_size,
            total: len,
        });
    }
    Ok(())
}

/// Sends the parts as they are hashed, `workers` at once. URLs are signed ahead: when
/// fewer than `workers` signed ones are left, everything hashed so far is signed in
/// one call, while the parts in flight keep going; a free sender rarely waits for one.
async fn send_hashed(
    up: &Uploader,
    job: &Job,
    plan: &UploadPlan,
    mut hashed: tokio::sync::mpsc::Receiver<Hashed>,
    done: &AtomicU64,
) -> Result<(), UploadError> {
    use futures::future::{Fuse, FusedFuture, FutureExt};
    let workers = up.config.workers.max(1);
    let mut signed = std::collections::VecDeque::new();
    let mut in_flight = futures::stream::FuturesUnordered::new();
    let signing = Fuse::terminated();
    futures::pin_mut!(signing);
    let mut more = true;
    let mut batch = Vec::with_capacity(SIGN_BATCH);
    loop {
        while in_flight.len() < workers {
            let Some((part, url)) = signed.pop_front() else {
                break;
            };
            in_flight.push(send_and_record(up, job, plan, part, url, done));
        }
        let idle = signing.is_terminated();
        let want_more = more && idle && signed.len() < workers;
        if !want_more && idle && in_flight.is_empty() {
            return Ok(());
        }
        tokio::select! {
            got = hashed.recv_many(&mut batch, SIGN_BATCH), if want_more => {
                if got == 0 {
                    more = false;
                } else {
                    signing.set(sign(up, plan, std::mem::take(&mut batch)).fuse());
                }
            }
            urls = &mut signing, if !idle => signed.extend(urls?),
            Some(sent) = in_flight.next(), if !in_flight.is_empty() => sent?,
        }
    }
}

async fn send_and_record(
    up: &Uploader,
    job: &Job,
    plan: &UploadPlan,
    part: Hashed,
    url: (String, Instant),
    done: &AtomicU64,
) -> Result<(), UploadError> {
    let (_, len) = part_range(job.size, plan.part_size, part.n);
    let etag = send_part(up, job, plan, part, Some(url), job.size).await?;
    up.queue
        .record_part(job.job_id.clone(), up.holder.clone(), part.n, etag, len)
        .await?;
    let now = done.fetch_add(len, Ordering::Relaxed) + len;
    let _ = up.events.send(Progress {
        job_id: job.job_id.clone(),
        bytes_done: now,
        total: job.size,
    });
    Ok(())
}

/// Parts hashed ahead of the senders and signed in one call, at most. Bounds how far
/// signed URLs run ahead of their use (they expire) and the sign calls per upload.
const SIGN_BATCH: usize = 16;

/// A part ready to be signed: its number and the checksum of its bytes.
#[derive(Clone, Copy)]
struct Hashed {
    n: u32,
    digest: Digest,
}

async fn one_url(up: &Uploader, plan: &UploadPlan, part: Hashed) -> Result<String, UploadError> {
    let mut signed = sign(up, plan, vec![part]).await?;
    Ok(signed.remove(0).1.0)
}

/// Signs the parts in one call; returns each with its URL.
async fn sign(
    up: &Uploader,
    plan: &UploadPlan,
    parts: Vec<Hashed>,
) -> Result<Vec<(Hashed, (String, Instant))>, UploadError> {
    let req = SignPartsRequest {
        file_key: plan.file_key.clone(),
        upload_id: plan.upload_id.clone(),
        parts: parts.iter().map(|p| p.digest.signing(p.n)).collect(),
    };
    let signed = until_reachable(up, || up.api.sign_parts(&req)).await?;
    Counters::add(&up.counters.sign_calls, 1);
    let at = Instant::now();
    let mut urls: HashMap<u32, String> = signed
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.url))
        .collect();
    parts
        .into_iter()
        .map(|p| {
            urls.remove(&p.n).map(|url| (p, (url, at))).ok_or_else(|| {
                UploadError::Rejected(format!("the server did not sign part {}", p.n))
            })
        })
        .collect()
}

/// PUTs one part until storage confirms it; returns its ETag. `url` is its signed URL
/// when one was signed in a batch; a missing or expired one is signed again, within
/// the bounds of [`PutPolicy`]. The body is streamed from disk: memory stays flat
/// whatever the part size.
async fn send_part(
    up: &Uploader,
    job: &Job,
    plan: &UploadPlan,
    part: Hashed,
    url: Option<(String, Instant)>,
    file_size: u64,
) -> Result<String, UploadError> {
    let n = part.n;
    let (offset, len) = part_range(file_size, plan.part_size, n);
    let md5_hex = part.digest.md5_hex();
    let (checksum_header, checksum) = part.digest.header();
    let mut url = match url {
        Some(u) => u,
        None => (one_url(up, plan, part).await?, Instant::now()),
    };
    let mut policy = PutPolicy::new(format!("part {n}"), up.config.max_outage);
    loop {
        if up.cancel.is_cancelled() {
            return Err(UploadError::Cancelled);
        }
        let connection = up.connection().await?;
        let age = url.1.elapsed();
        let headers = [(checksum_header, checksum.clone())];
        // A network change from here on ends the pause before the next try.
        let generation = up.api.network().generation();
        let sent = transfer::put(up, &url.0, &headers, &job.file, offset, len).await?;
        drop(connection);
        let verdict = match sent {
            Some(resp) if resp.status().is_success() => {
                let etag = resp
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(|s| s.trim_matches('"').to_string())
                    .unwrap_or_default();
                let plain_md5 = etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit());
                // SSE-KMS buckets answer other ETags: only a plain MD5 can be checked;
                // a CRC32C, against the one storage echoes.
                let echoed = resp
                    .headers()
                    .get(checksum_header)
                    .and_then(|v| v.to_str().ok());
                let differs = match &md5_hex {
                    Some(md5) => plain_md5 && !etag.eq_ignore_ascii_case(md5),
                    None => echoed.is_some_and(|c| c != checksum),
                };
                if differs {
                    return Err(UploadError::Integrity(format!(
                        "storage stored part {n} with another checksum"
                    )));
                }
                Counters::add(&up.counters.parts_sent, 1);
                return match (etag.is_empty(), md5_hex) {
                    (false, _) => Ok(etag),
                    (true, Some(md5)) => Ok(md5),
                    (true, None) => Err(UploadError::Integrity(format!(
                        "storage stored part {n} but answered without its ETag"
                    ))),
                };
            }
            Some(resp) => {
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                Some(judge(status, &body))
            }
            None => None,
        };
        match policy.after(verdict, &url.0, age)? {
            Next::Resign(wait) => {
                Counters::add(&up.counters.resigns, 1);
                pause(up, wait).await?;
                url = (one_url(up, plan, part).await?, Instant::now());
            }
            Next::Retry(wait) => {
                // A file edited while being sent makes storage refuse the digest.
                check_unchanged(job)?;
                Counters::add(&up.counters.retries, 1);
                pause_for(up, &url.0, wait, generation).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_exactly() {
        let (size, ps) = (20 * 1024 * 1024 + 5, 8 * 1024 * 1024);
        let count = part_count(size, ps);
        assert_eq!(count, 3);
        let total: u64 = (1..=count).map(|n| part_range(size, ps, n).1).sum();
        assert_eq!(total, size);
        assert_eq!(
            part_range(size, ps, 3),
            (16 * 1024 * 1024, 4 * 1024 * 1024 + 5)
        );
        // every part but the last is a full part (≥ 5 MiB, as AWS requires)
        assert!((1..count).all(|n| part_range(size, ps, n).1 == ps && ps >= MIN_PART_SIZE));
    }
}

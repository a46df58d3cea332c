//! Runs queued jobs to the end: session started on the server (once, via `client_ref`),
//! bytes stored, session completed. Waits out outages; fails a job only for reasons
//! retrying cannot fix. A lease with a heartbeat keeps two processes off one job.

use crate::lifecycle::{self, Transition};
use crate::queue::{Job, JobState, Queue, QueueError};
use crate::upload::{Counters, UploadError, Uploader};
use chrono::{DateTime, SecondsFormat, Utc};
use idance_contract::FileKind;
use idance_contract::wire::CompleteSessionRequest;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

// A killed process blocks its jobs for at most this long.
const LEASE_MS: i64 = 15_000;
/// How often a job being run is checked for a pause or cancel given elsewhere.
const WATCH: Duration = Duration::from_secs(1);
/// The lease is renewed every this many checks (5 s).
const HEARTBEAT_TICKS: u64 = 5;

pub struct Runner {
    pub uploader: Uploader,
    owner: String,
    /// Cuts the wait between rounds short (new work, the service back).
    wake: Arc<tokio::sync::Notify>,
}

/// `durationMinutes` as the contract asks: whole minutes, rounded, at least 1.
pub fn duration_minutes(secs: f64) -> f64 {
    (secs / 60.0).round().max(1.0)
}

impl Runner {
    pub fn new(uploader: Uploader) -> Self {
        Self {
            uploader,
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            wake: Arc::default(),
        }
    }

    /// `wake.notify_one()` ends the wait between rounds of [`Runner::sync`].
    pub fn with_wake(mut self, wake: Arc<tokio::sync::Notify>) -> Self {
        self.wake = wake;
        self
    }

    fn queue(&self) -> &Queue {
        &self.uploader.queue
    }

    /// Runs one job as far as it can go now (at the latest until `deadline`, which
    /// stops a part in flight too); returns its new state and the bytes this process
    /// sent for it. A job another process holds is left alone.
    pub async fn run_job(
        &self,
        job_id: &str,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<(Job, u64), QueueError> {
        let q = self.queue();
        if !q
            .try_lease(job_id.to_string(), self.owner.clone(), LEASE_MS)
            .await?
        {
            return Ok((q.job(job_id.to_string()).await?, 0));
        }
        let (up, stop_job) = self.uploader.for_job(&self.owner);
        let watch = {
            let (q, id, owner) = (q.clone(), job_id.to_string(), self.owner.clone());
            tokio::spawn(async move {
                for tick in 1u64.. {
                    let woke = match deadline {
                        Some(d) => tokio::time::timeout_at(d, tokio::time::sleep(WATCH))
                            .await
                            .is_ok(),
                        None => {
                            tokio::time::sleep(WATCH).await;
                            true
                        }
                    };
                    if !woke {
                        // `sync --timeout` is up: stop this job where it is.
                        stop_job.cancel();
                        break;
                    }
                    // A pause or cancel given meanwhile, maybe by another process
                    // (`idance pause`, the app), stops this job's transfer now; other
                    // jobs are not touched.
                    match q.job(id.clone()).await {
                        Ok(j) if !j.state.is_pending() => stop_job.cancel(),
                        Err(QueueError::NoJob(_)) => stop_job.cancel(),
                        _ => {}
                    }
                    if tick % HEARTBEAT_TICKS == 0 {
                        match q.try_lease(id.clone(), owner.clone(), LEASE_MS).await {
                            Ok(true) => {}
                            // Away past the lease (asleep, stalled) and another process
                            // took the job: stop sending it (its writes are refused).
                            Ok(false) => {
                                stop_job.cancel();
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                }
            })
        };
        let in_flight = self.uploader.counters.job_started();
        let result = self.drive(&up, job_id).await;
        drop(in_flight);
        watch.abort();
        let sent = Counters::get(&up.job_sent);
        let next = match result {
            Ok(t) => t.map(|t| (t, None)),
            // Another process has the job now: it goes on there.
            Err(UploadError::Queue(QueueError::LeaseLost(_))) => None,
            Err(UploadError::Queue(e)) => {
                q.release(job_id.to_string(), self.owner.clone()).await?;
                return Err(e);
            }
            // A pause or cancel keeps its state (the lifecycle refuses to write over
            // it); a deadline or shutdown puts an `uploading` job back in line.
            Err(UploadError::Cancelled) => Some((Transition::Requeue, None)),
            Err(e) => e.transition().map(|t| (t, Some(e.to_string()))),
        };
        if let Some((t, error)) = next {
            lifecycle::apply_held(q, job_id, &self.owner, t, error).await?;
        }
        q.release(job_id.to_string(), self.owner.clone()).await?;
        Ok((q.job(job_id.to_string()).await?, sent))
    }

    /// Takes the job as far as it goes now; returns the transition it reached, or None
    /// when there was nothing to do.
    async fn drive(&self, up: &Uploader, job_id: &str) -> Result<Option<Transition>, UploadError> {
        let q = self.queue();
        let job = q.job(job_id.to_string()).await?;
        if !job.state.is_pending() {
            return Ok(None);
        }
        let session_id = self.server_session(up, &job).await?;
        let job = if job.growing {
            if idance_media::record::is_recording(Path::new(&job.file)) {
                // Upload what the recorder has finished so far; the runner comes back
                // for more, and for the tail after Stop (the thumbnail then goes first).
                up.feed_growing(&job, &session_id).await?;
                // Reached the service: no longer waiting, whatever it was before.
                return Ok((job.state == JobState::Waiting).then_some(Transition::Resume));
            }
            // An encode whose process died is a truncated copy: the original goes
            // instead (never a part of a video where the whole one exists).
            let copy = Path::new(&job.file);
            if let (Some(source), Some(thumbs)) = (
                idance_media::record::encode_source(copy),
                crate::compress::thumbs_dir_of(copy),
            ) {
                crate::compress::send_original(q, job_id, &source, &thumbs)
                    .await
                    .map_err(|e| {
                        UploadError::Source(format!(
                            "its compressed copy was cut short and the original cannot be queued: {e}"
                        ))
                    })?;
                let _ = idance_media::record::dismiss(copy);
                return Ok(None);
            }
            // The recorder is gone (a crash): the file is final as it is (fragmented MP4
            // plays up to its last fragment). Upload it; it no longer needs recovering.
            let duration = idance_media::probe(Path::new(&job.file))
                .await
                .ok()
                .map(|i| i.duration);
            let finished = q.finish_growing(job_id.to_string(), duration).await?;
            let _ = idance_media::record::dismiss(Path::new(&job.file));
            finished
        } else {
            job
        };
        if job.stored().is_none() {
            // `uploading` only once the service answered, so a job never reads
            // "Uploading" while the service is away.
            up.server_mode().await?;
            if !lifecycle::apply_held(q, job_id, &self.owner, Transition::Start, None)
                .await?
                .is_done()
            {
                // Paused or cancelled since it was read, or taken over.
                return Err(UploadError::Cancelled);
            }
            up.store(&job, &session_id).await?;
        }
        if job.kind == FileKind::Thumbnail {
            // Stored; completed with its session's video.
            return Ok(None);
        }
        let (video, thumb, thumbs) = match lifecycle::completion(q, &job).await? {
            lifecycle::Completion::Ready {
                video,
                thumbnail,
                thumbnails,
            } => (video, thumbnail, thumbnails),
            // A thumbnail still to come: the video stays `uploaded`, completes later.
            lifecycle::Completion::Later => return Ok(None),
        };
        self.complete_session(up, &video, thumb.as_deref(), &session_id)
            .await?;
        // The session is completed: its thumbnails are done (the one it names, and any
        // an earlier cut left).
        for t in thumbs {
            lifecycle::apply(q, &t, Transition::Complete, None).await?;
        }
        Ok(Some(Transition::Complete))
    }

    /// The server's id of the job's session, starting it there the first time. The
    /// local id is sent as `client_ref`, so a crash between the call and the write
    /// below cannot make two server sessions on servers that honour it.
    async fn server_session(&self, up: &Uploader, job: &Job) -> Result<String, UploadError> {
        let q = self.queue();
        let local = q
            .session(job.local_session.clone())
            .await?
            .ok_or_else(|| UploadError::Rejected(format!("job {} has no session", job.job_id)))?;
        if let Some(id) = local.server_id {
            return Ok(id);
        }
        let api = &up.api;
        let id = crate::upload::retry_call(up, || {
            api.start_session(local.title.as_deref(), Some(&local.local_id))
        })
        .await?;
        q.set_server_session(local.local_id, id.clone()).await?;
        Ok(id)
    }

    async fn complete_session(
        &self,
        up: &Uploader,
        video: &Job,
        thumb: Option<&Job>,
        session_id: &str,
    ) -> Result<(), UploadError> {
        let q = self.queue();
        let Some((key, url)) = video.stored() else {
            return Err(UploadError::Integrity("the video is not stored yet".into()));
        };
        let secs = video.duration_secs.ok_or_else(|| {
            UploadError::Source(format!("{}: the video's duration is unknown", video.file))
        })?;
        let end: DateTime<Utc> = std::fs::metadata(&video.file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos()))
            .unwrap_or_else(Utc::now);
        let req = CompleteSessionRequest {
            session_id: session_id.to_string(),
            end_time: end.to_rfc3339_opts(SecondsFormat::Secs, true),
            duration_minutes: duration_minutes(secs),
            calories_burned: q.calories(video.local_session.clone()).await?,
            video_url: url.to_string(),
            video_file_key: key.to_string(),
            thumbnail_url: thumb
                .as_ref()
                .and_then(|t| t.stored().map(|s| s.1.to_string())),
            thumbnail_file_key: thumb
                .as_ref()
                .and_then(|t| t.stored().map(|s| s.0.to_string())),
        };
        let api = &up.api;
        crate::upload::retry_call(up, || api.complete_session(&req)).await?;
        Ok(())
    }

    /// Runs `jobs` (thumbnails first), up to [`UploaderConfig::jobs`] at once; a
    /// recording being written is started whatever the count (it must not fall behind
    /// its recorder), and a video waits while its session's thumbnail is in flight (the
    /// completion names it). Every job started is run to its end before this returns.
    ///
    /// [`UploaderConfig::jobs`]: crate::upload::UploaderConfig::jobs
    async fn run_round(
        &self,
        jobs: Vec<Job>,
        deadline: Option<tokio::time::Instant>,
        started: Instant,
        timeout: Duration,
        mut fed: Option<(
            &mut tokio::sync::mpsc::Receiver<String>,
            &mut HashSet<String>,
        )>,
    ) -> Result<Vec<(Job, (Job, u64))>, QueueError> {
        use futures::StreamExt;
        let limit = self.uploader.config.jobs.max(1);
        let mut waiting: std::collections::VecDeque<Job> = jobs.into();
        let mut in_flight = futures::stream::FuturesUnordered::new();
        let mut counted = 0usize;
        let mut thumbs_of: std::collections::HashMap<String, usize> = Default::default();
        let mut done = Vec::new();
        let mut failure = None;
        loop {
            let stopping = failure.is_some()
                || started.elapsed() >= timeout
                || self.uploader.cancel.is_cancelled();
            let mut i = 0;
            while !stopping && i < waiting.len() {
                let j = &waiting[i];
                let free = j.growing || counted < limit;
                let thumb_ahead = j.kind == FileKind::Video
                    && thumbs_of.get(&j.local_session).is_some_and(|n| *n > 0);
                if !free || thumb_ahead {
                    i += 1;
                    continue;
                }
                let Some(job) = waiting.remove(i) else { break };
                if !job.growing {
                    counted += 1;
                }
                if job.kind == FileKind::Thumbnail {
                    *thumbs_of.entry(job.local_session.clone()).or_default() += 1;
                }
                in_flight.push(async move {
                    let ran = self.run_job(&job.job_id, deadline).await;
                    (job, ran)
                });
            }
            // Jobs fed meanwhile join this round when a slot is free.
            let take_more = !stopping && counted < limit && fed.is_some();
            let next = tokio::select! {
                next = in_flight.next(), if !in_flight.is_empty() => next,
                id = async {
                    match fed.as_mut() {
                        Some((rx, _)) => rx.recv().await,
                        None => None,
                    }
                }, if take_more => {
                    match id {
                        Some(id) => {
                            if let Some((_, ids)) = fed.as_mut() {
                                ids.insert(id.clone());
                            }
                            let job = self.queue().job(id).await?;
                            if lifecycle::is_runner_work(&job) {
                                waiting.push_back(job);
                            }
                        }
                        // The feed ended: the caller sees it closed.
                        None => fed = None,
                    }
                    continue;
                }
                () = self.uploader.cancel.cancelled(), if take_more => {
                    fed = None;
                    continue;
                }
                else => None,
            };
            let Some((job, ran)) = next else {
                break;
            };
            if !job.growing {
                counted -= 1;
            }
            if job.kind == FileKind::Thumbnail
                && let Some(n) = thumbs_of.get_mut(&job.local_session)
            {
                *n -= 1;
            }
            match ran {
                Ok(r) => done.push((job, r)),
                // Let the others end cleanly (leases released) before giving up.
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(done),
        }
    }

    /// Runs every pending job (or only the listed ones) until none is left or `timeout`
    /// passes. Thumbnails go before the videos of their session so the completion can
    /// name them. Returns the jobs run, with the bytes this process sent for each.
    pub async fn sync(
        &self,
        only: Option<&[String]>,
        timeout: Duration,
    ) -> Result<Vec<(Job, u64)>, QueueError> {
        let only = only.map(|ids| ids.iter().cloned().collect());
        self.sync_scope(only, None, timeout).await
    }

    /// Like [`Runner::sync`] over the jobs whose ids arrive on `feed` (a folder being
    /// taken in): each is started as soon as it arrives and a slot is free; returns once
    /// the feed is closed and its jobs are done (or `timeout`). A video's thumbnail id
    /// must arrive before the video's.
    pub async fn sync_fed(
        &self,
        feed: tokio::sync::mpsc::Receiver<String>,
        timeout: Duration,
    ) -> Result<Vec<(Job, u64)>, QueueError> {
        self.sync_scope(Some(HashSet::new()), Some(feed), timeout)
            .await
    }

    async fn sync_scope(
        &self,
        mut only: Option<HashSet<String>>,
        mut feed: Option<tokio::sync::mpsc::Receiver<String>>,
        timeout: Duration,
    ) -> Result<Vec<(Job, u64)>, QueueError> {
        let wanted = |only: &Option<HashSet<String>>, j: &Job| {
            only.as_ref().is_none_or(|ids| ids.contains(&j.job_id))
        };
        let started = Instant::now();
        let deadline = tokio::time::Instant::now().checked_add(timeout);
        let mut sent: std::collections::HashMap<String, u64> = Default::default();
        let mut idle_rounds = 0u32;
        let mut round_generation = self.uploader.api.network().generation();
        // Jobs that wait for the user (a sign-in, a clock set right): tried once per
        // call, then left waiting; retrying cannot help until the user acts.
        let mut blocked = std::collections::HashSet::new();
        loop {
            if !blocked.is_empty() && self.uploader.api.signed_in_again().await {
                // Signed in again (maybe in another process): those jobs may go on.
                blocked.clear();
            }
            if let (Some(rx), Some(ids)) = (feed.as_mut(), only.as_mut()) {
                while let Ok(id) = rx.try_recv() {
                    ids.insert(id);
                }
            }
            let mut pending: Vec<Job> = self
                .queue()
                .jobs()
                .await?
                .into_iter()
                .filter(|j| {
                    lifecycle::is_runner_work(j) && wanted(&only, j) && !blocked.contains(&j.job_id)
                })
                .collect();
            if started.elapsed() >= timeout || self.uploader.cancel.is_cancelled() {
                break;
            }
            if pending.is_empty() {
                // Nothing to do until more is fed (or the feed ends).
                let (Some(rx), Some(ids)) = (feed.as_mut(), only.as_mut()) else {
                    break;
                };
                tokio::select! {
                    id = rx.recv() => match id {
                        Some(id) => { ids.insert(id); }
                        None => feed = None,
                    },
                    () = tokio::time::sleep(timeout.saturating_sub(started.elapsed())) => break,
                    () = self.uploader.cancel.cancelled() => break,
                }
                continue;
            }
            if idle_rounds > 0 {
                // Nothing moved last round (another process holds the jobs, or the
                // service is away): wait a little longer each time.
                let wait = crate::upload::backoff_delay(idle_rounds - 1)
                    .min(timeout.saturating_sub(started.elapsed()));
                let network = self.uploader.api.network();
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = self.wake.notified() => {}
                    // A new address or a wake: the network that failed may work now.
                    () = network.changed_after(round_generation) => {}
                    () = self.uploader.cancel.cancelled() => break,
                }
            }
            pending.sort_by_key(|j| j.kind == FileKind::Video);
            round_generation = self.uploader.api.network().generation();
            let mut progressed = false;
            let fed = feed.as_mut().zip(only.as_mut());
            for (job, ran) in self
                .run_round(pending, deadline, started, timeout, fed)
                .await?
            {
                let (after, bytes) = ran;
                *sent.entry(job.job_id.clone()).or_default() += bytes;
                if after.wait_reason.is_some_and(|r| r.needs_user()) {
                    blocked.insert(after.job_id.clone());
                }
                progressed |= after.state != job.state || !after.state.is_pending() || bytes > 0;
            }
            idle_rounds = if progressed { 0 } else { idle_rounds + 1 };
        }
        let jobs = self.queue().jobs().await?;
        Ok(jobs
            .into_iter()
            .filter(|j| wanted(&only, j))
            .map(|j| {
                let b = sent.get(&j.job_id).copied().unwrap_or(0);
                (j, b)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_is_whole_minutes_at_least_one() {
        assert_eq!(duration_minutes(5.0), 1.0);
        assert_eq!(duration_minutes(89.0), 1.0);
        assert_eq!(duration_minutes(91.0), 2.0);
        assert_eq!(duration_minutes(3600.0), 60.0);
    }
}

//! Uploads: the background sync loop over the queue, progress to the UI, and the
//! user's pause / resume / cancel of one job (through core's lifecycle; a job's pause
//! interrupts that job alone).

use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::events::Event;
use crate::progress::Throttle;
use idance_core::lifecycle::{self, Outcome, Transition};
use idance_core::{Runner, Uploader, UploaderConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How long an unreachable service is retried inside a job before it shows as waiting.
const OUTAGE_BEFORE_WAITING: Duration = Duration::from_secs(5);

impl Desktop {
    /// Pause (`None`: every job that can be paused). A job being sent stops within
    /// about a second (the runner watches its state); other jobs are not interrupted.
    pub async fn pause(&self, job: Option<&str>) -> Result<(), DesktopError> {
        self.apply_user(job, Transition::Pause).await
    }

    /// Resume paused jobs; also retries failed ones (Retry) and waiting ones (now).
    pub async fn resume(&self, job: Option<&str>) -> Result<(), DesktopError> {
        self.apply_user(job, Transition::Resume).await?;
        self.wake_uploads();
        Ok(())
    }

    /// After a sign-in: the jobs waiting for one go on now.
    pub(crate) async fn signed_in(&self) -> Result<(), DesktopError> {
        if lifecycle::signed_in(&self.queue).await? > 0 {
            self.changed().await;
            self.wake_uploads();
        }
        Ok(())
    }

    /// The user's `t` on one job, or on every job that can take it (`None`).
    async fn apply_user(&self, job: Option<&str>, t: Transition) -> Result<(), DesktopError> {
        for id in self.targets(job).await? {
            refused(
                job,
                lifecycle::apply(&self.queue, &id, t, None).await?,
                &id,
                t,
            )?;
        }
        self.changed().await;
        Ok(())
    }

    /// Cancel: nothing more is sent and the multipart upload is aborted on the server.
    /// A video already stored is refused (its session completes by itself).
    pub async fn cancel(&self, job: &str) -> Result<(), DesktopError> {
        let api = self.link().api.clone();
        let (outcome, warning) = lifecycle::cancel(&self.queue, Some(&api), job).await?;
        if let Some(w) = warning {
            // An upload left behind expires by the bucket's lifecycle rule.
            tracing::warn!("{w}");
        }
        refused(Some(job), outcome, job, Transition::Cancel)?;
        self.changed().await;
        Ok(())
    }

    /// The job (or every job's id).
    pub(crate) async fn targets(&self, job: Option<&str>) -> Result<Vec<String>, DesktopError> {
        Ok(match job {
            Some(id) => vec![id.to_string()],
            None => self
                .queue
                .jobs()
                .await?
                .into_iter()
                .map(|j| j.job_id)
                .collect(),
        })
    }

    /// Ends the wait between upload rounds (new or resumed work), without interrupting
    /// anything in flight.
    pub(crate) fn wake_uploads(&self) {
        self.wake.notify_one();
        self.runner_wake.notify_one();
    }

    /// Stops the uploads in flight (they resume from storage's parts) and starts over:
    /// only for a new backend or shutdown, never for one job's pause.
    pub(crate) fn restart_uploads(&self) {
        if let Ok(current) = self.current.lock()
            && let Some(token) = current.as_ref()
        {
            token.cancel();
        }
        self.wake_uploads();
    }

    pub(crate) fn uploader(&self) -> Uploader {
        let link = self.link();
        Uploader::new(
            link.api.clone(),
            self.queue.clone(),
            UploaderConfig {
                max_outage: OUTAGE_BEFORE_WAITING,
                max_bytes_per_sec: link.limit,
                ..UploaderConfig::default()
            },
        )
        .with_counters(self.counters.clone())
    }

    /// Bytes this app sent to storage since it started (re-sent ones included).
    pub fn bytes_sent(&self) -> u64 {
        idance_core::upload::Counters::get(&self.counters.bytes_sent)
    }
}

/// A refused action on one named job is an error in words; for "every job" the jobs
/// that cannot take it are skipped.
pub(crate) fn refused(
    named: Option<&str>,
    outcome: Outcome,
    id: &str,
    t: Transition,
) -> Result<(), DesktopError> {
    match (named, outcome.refusal(id, t)) {
        (Some(_), Some(why)) => Err(DesktopError::Refused(why)),
        _ => Ok(()),
    }
}

/// Runs the queue whenever there is work, with a fresh uploader each round (pause and
/// cancel stop the round in flight; the next one picks up from storage's parts).
pub(crate) async fn sync_loop(d: Arc<Desktop>) {
    let mut completed_before = completed_sessions(&d).await;
    while !d.shutdown.is_cancelled() {
        let uploader = d.uploader();
        let token = uploader.cancel_token();
        if let Ok(mut current) = d.current.lock() {
            *current = Some(token.clone());
        }
        let forward = tokio::spawn(forward_progress(d.clone(), uploader.subscribe()));
        let runner = Runner::new(uploader).with_wake(d.runner_wake.clone());
        let ran = runner.sync(None, Duration::from_secs(30)).await;
        drop(runner);
        forward.abort();
        if let Err(e) = ran {
            tracing::warn!("sync: {e}");
        }
        // Also catches what another process (`idance pause`, `idance sync`) changed.
        d.changed().await;
        let completed = completed_sessions(&d).await;
        if completed
            .iter()
            .any(|(id, _)| !completed_before.iter().any(|(b, _)| b == id))
        {
            // A completion: the library (what other computers see) has it now.
            let me = d.clone();
            tokio::spawn(async move { me.refresh_library().await });
        }
        for (id, title) in &completed {
            if !completed_before.iter().any(|(b, _)| b == id) {
                d.emit(Event::Notice {
                    kind: crate::l10n::NoticeKind::SessionOnline,
                    title: title.clone(),
                });
            }
        }
        completed_before = completed;
        tokio::select! {
            () = d.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(3)) => {}
            () = d.shutdown.cancelled() => {}
        }
    }
}

/// This computer's completed sessions (the library's are not news).
pub(crate) async fn completed_sessions(d: &Desktop) -> Vec<(String, Option<String>)> {
    d.local_sessions_view()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.state == "online")
        .map(|s| (s.local_id, s.title))
        .collect()
}

pub(crate) async fn forward_progress(
    d: Arc<Desktop>,
    mut rx: broadcast::Receiver<idance_core::upload::progress::Progress>,
) {
    let mut throttle = Throttle::default();
    loop {
        match rx.recv().await {
            Ok(p) => {
                if let Some(view) =
                    throttle.update(&p.job_id, p.bytes_done, p.total, Instant::now())
                {
                    d.emit(Event::Progress(view));
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

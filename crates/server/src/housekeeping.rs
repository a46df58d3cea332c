//! Keeping storage and the database tidy: the stale-upload reaper every instance runs
//! (which also forgets failed sign-ins past their window), and the operator's orphan
//! report and bucket lifecycle rule (`idance admin`).
//!
//! Safe with many instances: a sweep first takes a lease in the database (one sweeper
//! at a time), and every step is one a repeated or cut-short sweep redoes harmlessly
//! (aborting an aborted upload, recording an abort already recorded).

use crate::app::{ServerError, ServerHandle};
use crate::config::Config;
use crate::state::AppState;
use crate::storage::{Listed, StorageError};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, ExpirationStatus, LifecycleRule, LifecycleRuleFilter,
    Transition, TransitionStorageClass,
};
use chrono::Utc;
use idance_contract::FileKind;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often each instance offers to sweep (only the lease holder does).
const REAPER_EVERY: Duration = Duration::from_secs(600);
/// A sweep's lease: longer than a sweep takes, short enough that a crashed sweeper's
/// turn passes to another instance soon.
const LEASE_SECS: i64 = 300;
/// Uploads handled per lease renewal.
const BATCH: i64 = 100;

/// Sweeps at start and then every [`REAPER_EVERY`] until `stop`.
pub async fn run_reaper(state: AppState, stale_after: Duration, stop: CancellationToken) {
    let holder = uuid::Uuid::new_v4().to_string();
    loop {
        match reap_stale(&state, stale_after, &holder).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(aborted = n, "stale uploads aborted"),
            Err(e) => tracing::warn!(error = %e, "stale-upload sweep failed; trying again later"),
        }
        // Failed sign-ins older than the limit's window count for nothing. Deleting them
        // twice (two instances at once) is harmless, so no lease.
        let before = Utc::now().timestamp() - crate::sign_in::WINDOW_SECS;
        if let Err(e) = state.db.prune_failures(before).await {
            tracing::warn!(error = %e, "pruning old failed sign-ins failed; trying again later");
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(REAPER_EVERY) => {}
        }
    }
}

/// One sweep: aborts (in storage, then in the database) active multipart uploads with no
/// create, sign or list for `stale_after`. Returns how many it aborted; 0 when another
/// instance holds the sweep.
pub async fn reap_stale(
    state: &AppState,
    stale_after: Duration,
    holder: &str,
) -> Result<usize, ServerError> {
    let swept = sweep_stale(state, stale_after, holder).await;
    // Done (or failed): the next instance may sweep at once. A sweeper that dies
    // instead leaves the lease to run out.
    state
        .db
        .release_sweep("stale_uploads", holder.to_string())
        .await?;
    swept
}

async fn sweep_stale(
    state: &AppState,
    stale_after: Duration,
    holder: &str,
) -> Result<usize, ServerError> {
    let mut aborted = 0;
    loop {
        let now = Utc::now().timestamp();
        if !state
            .db
            .take_sweep("stale_uploads", holder.to_string(), now, now + LEASE_SECS)
            .await?
        {
            return Ok(aborted);
        }
        let before = now - stale_after.as_secs() as i64;
        let stale = state.db.stale_uploads(before, now, BATCH).await?;
        let last_batch = (stale.len() as i64) < BATCH;
        for u in stale {
            if crate::abort::abort_upload::<ServerError>(state, &u, "stale").await? {
                aborted += 1;
            }
        }
        if last_batch {
            return Ok(aborted);
        }
    }
}

/// The operator's side: the same database and storage as `idance serve`, no reaper.
pub struct Admin {
    pub(crate) state: AppState,
    /// Serves the embedded store while the command runs (when it is the store).
    server: ServerHandle,
}

/// What the lifecycle rule ended up as.
#[derive(Debug)]
pub struct LifecycleReport {
    /// The rules storage holds now, one line each.
    pub applied: Vec<String>,
    /// What was asked for and is not in the stored rules (some stores accept a rule
    /// and drop what they do not support).
    pub dropped: Vec<String>,
}

impl Admin {
    pub async fn open(mut config: Config) -> Result<Self, ServerError> {
        config.listen = ([127, 0, 0, 1], 0).into();
        let (server, state) = crate::app::serve(config).await?;
        Ok(Self { state, server })
    }

    pub async fn close(self) {
        self.server.shutdown().await;
    }

    /// Objects under `sessions/` and `thumbnails/` older than `older_than` that no
    /// completed session references and no active upload writes, oldest first.
    pub async fn orphans(&self, older_than: Duration) -> Result<Vec<Listed>, ServerError> {
        let refs = self.state.db.references().await?;
        let cutoff = Utc::now().timestamp() - older_than.as_secs() as i64;
        let mut found = Vec::new();
        for kind in [FileKind::Video, FileKind::Thumbnail] {
            let prefix = format!("{}/", kind.prefix());
            for o in self.state.storage.list(&prefix).await? {
                let held = refs.completed.contains(&o.key) || refs.uploading.contains(&o.key);
                if !held && o.modified <= cutoff && o.key.starts_with(&prefix) {
                    found.push(o);
                }
            }
        }
        found.sort_by(|a, b| (a.modified, &a.key).cmp(&(b.modified, &b.key)));
        Ok(found)
    }

    /// Deletes `orphans` (a list [`Admin::orphans`] made), skipping any that a session
    /// completed since references. Returns the ones deleted.
    pub async fn delete(&self, orphans: Vec<Listed>) -> Result<Vec<Listed>, ServerError> {
        let refs = self.state.db.references().await?;
        let mut deleted = Vec::new();
        for o in orphans {
            if refs.completed.contains(&o.key) || refs.uploading.contains(&o.key) {
                continue;
            }
            self.state.storage.delete(&o.key).await?;
            tracing::info!(key = %o.key, "orphan deleted");
            deleted.push(o);
        }
        Ok(deleted)
    }

    /// Puts the rule "abort incomplete multipart uploads after `abort_after_days`" on the
    /// whole bucket and, if asked, a transition of `sessions/` to `class` after `days`.
    pub async fn lifecycle(
        &self,
        abort_after_days: i32,
        transition: Option<(i32, String)>,
    ) -> Result<LifecycleReport, ServerError> {
        let mut rules = vec![
            LifecycleRule::builder()
                .id("idance-abort-incomplete-uploads")
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(abort_after_days)
                        .build(),
                )
                .build()
                .map_err(|e| StorageError::Failed(format!("lifecycle rule: {e}")))?,
        ];
        if let Some((days, class)) = transition {
            rules.push(
                LifecycleRule::builder()
                    .id("idance-sessions-transition")
                    .status(ExpirationStatus::Enabled)
                    .filter(LifecycleRuleFilter::builder().prefix("sessions/").build())
                    .transitions(
                        Transition::builder()
                            .days(days)
                            .storage_class(TransitionStorageClass::from(class.as_str()))
                            .build(),
                    )
                    .build()
                    .map_err(|e| StorageError::Failed(format!("lifecycle rule: {e}")))?,
            );
        }
        self.state.storage.put_lifecycle(rules.clone()).await?;
        let stored = self.state.storage.lifecycle().await?;
        let mut dropped = Vec::new();
        for asked in &rules {
            match stored.iter().find(|r| r.id() == asked.id()) {
                None => dropped.push(format!("the rule {}", asked.id().unwrap_or("?"))),
                Some(r) => {
                    if asked.transitions().len() > r.transitions().len() {
                        dropped.push(format!(
                            "the transition of {} to another storage class",
                            asked.id().unwrap_or("?")
                        ));
                    }
                    if asked.abort_incomplete_multipart_upload().is_some()
                        && r.abort_incomplete_multipart_upload().is_none()
                    {
                        dropped.push("the abort of incomplete multipart uploads".into());
                    }
                }
            }
        }
        Ok(LifecycleReport {
            applied: stored.iter().map(describe_rule).collect(),
            dropped,
        })
    }
}

/// One line for a rule, as an operator reads it.
fn describe_rule(r: &LifecycleRule) -> String {
    let mut parts = vec![format!(
        "{} ({})",
        r.id().unwrap_or("unnamed"),
        r.status().as_str().to_lowercase()
    )];
    let prefix = r.filter().and_then(|f| f.prefix()).unwrap_or("");
    parts.push(if prefix.is_empty() {
        "whole bucket".into()
    } else {
        format!("prefix {prefix}")
    });
    if let Some(days) = r
        .abort_incomplete_multipart_upload()
        .and_then(|a| a.days_after_initiation())
    {
        parts.push(format!(
            "abort incomplete multipart uploads after {days} days"
        ));
    }
    for t in r.transitions() {
        parts.push(format!(
            "move to {} after {} days",
            t.storage_class().map(|c| c.as_str()).unwrap_or("?"),
            t.days().unwrap_or(0)
        ));
    }
    if let Some(days) = r.expiration().and_then(|e| e.days()) {
        parts.push(format!("expire after {days} days"));
    }
    parts.join(", ")
}

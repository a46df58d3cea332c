//! `idance queue`, `pause`, `resume`, `cancel`: list the upload queue and move its jobs
//! through the lifecycle (one job by id, or `all`).

use crate::Failure;
use crate::args::Global;
use crate::client::{api_client, open_queue};
use crate::print::print_job;
use anyhow::anyhow;
use idance_core::lifecycle::{self, Outcome, Transition};
use idance_core::{DataDir, Job, Queue};

pub async fn list(data: &DataDir, json: bool) -> Result<(), Failure> {
    let queue = open_queue(data)?;
    for job in queue.jobs().await.map_err(|e| Failure::Work(e.into()))? {
        print_job(&queue, &job, 0, json).await;
    }
    Ok(())
}

async fn select(queue: &Queue, which: &str) -> Result<Vec<Job>, Failure> {
    let jobs = queue.jobs().await.map_err(|e| Failure::Work(e.into()))?;
    if which == "all" {
        return Ok(jobs);
    }
    let found: Vec<Job> = jobs.into_iter().filter(|j| j.job_id == which).collect();
    if found.is_empty() {
        return Err(Failure::Work(anyhow!(
            "no job '{which}' in the queue (see `idance queue`)"
        )));
    }
    Ok(found)
}

/// Applies the user's `t` to the selected jobs through the lifecycle. For one named
/// job a refusal is an error that says why; for `all` jobs that cannot take it are
/// skipped. Returns the ids changed.
async fn apply_to(
    queue: &Queue,
    which: &str,
    t: Transition,
    mut act: impl AsyncFnMut(&Job) -> Result<Outcome, idance_core::QueueError>,
) -> Result<Vec<String>, Failure> {
    let mut changed = Vec::new();
    for job in select(queue, which).await? {
        let outcome = act(&job).await.map_err(|e| Failure::Work(e.into()))?;
        match outcome.refusal(&job.job_id, t) {
            None => changed.push(job.job_id.clone()),
            Some(why) if which != "all" => return Err(Failure::Work(anyhow!(why))),
            Some(_) => {}
        }
    }
    println!("{} job(s) {}", changed.len(), t.verb());
    Ok(changed)
}

pub async fn pause(data: &DataDir, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data)?;
    apply_to(&queue, which, Transition::Pause, async |j| {
        lifecycle::pause(&queue, &j.job_id).await
    })
    .await
    .map(|_| ())
}

pub async fn resume(data: &DataDir, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data)?;
    apply_to(&queue, which, Transition::Resume, async |j| {
        lifecycle::resume(&queue, &j.job_id).await
    })
    .await
    .map(|_| ())
}

pub async fn cancel(data: &DataDir, global: &Global, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data)?;
    // Cancelling works offline and without a token; the abort is then skipped.
    let (api, _direct) = match api_client(data, global).await {
        Ok((api, d)) => (Some(api), d),
        Err(_) => (None, None),
    };
    apply_to(&queue, which, Transition::Cancel, async |j| {
        let (outcome, warning) = lifecycle::cancel(&queue, api.as_ref(), &j.job_id).await?;
        if let Some(w) = warning {
            eprintln!("warning: {w}");
        }
        Ok(outcome)
    })
    .await
    .map(|_| ())
}

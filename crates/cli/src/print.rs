//! How jobs are shown: one line per job (text, or NDJSON with `--json`), the closing
//! report that turns failed or waiting jobs into an error, and progress bars.

use crate::Failure;
use anyhow::anyhow;
use idance_core::{Job, JobState, Queue, Runner};
use serde::Serialize;

/// A job as `--json` prints it (the CLI contract's fields).
#[derive(Serialize)]
struct JobLine<'a> {
    job_id: &'a str,
    session_id: Option<String>,
    file: &'a str,
    file_key: Option<&'a str>,
    state: JobState,
    size: u64,
    bytes_sent: u64,
    error: Option<&'a str>,
    /// Why a `waiting` job waits: network, sign_in, storage or clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_reason: Option<idance_core::WaitReason>,
}

pub(crate) async fn print_job(queue: &Queue, job: &Job, bytes_sent: u64, json: bool) {
    let session_id = queue
        .session(job.local_session.clone())
        .await
        .ok()
        .flatten()
        .and_then(|s| s.server_id);
    let key = job.file_key();
    if json {
        let line = JobLine {
            job_id: &job.job_id,
            session_id,
            file: &job.file,
            file_key: key,
            state: job.state,
            size: job.size,
            bytes_sent,
            error: job.error.as_deref(),
            wait_reason: job.wait_reason,
        };
        println!("{}", serde_json::to_string(&line).unwrap_or_default());
    } else {
        let extra = match (&job.error, key) {
            (Some(e), _) => format!("  {e}"),
            (None, Some(k)) => format!("  → {k}"),
            _ => String::new(),
        };
        println!(
            "{:<12} {:<10} {:>12}  {}{extra}",
            job.job_id,
            job.state.as_str(),
            job.size,
            job.file
        );
    }
}

/// Prints the jobs and turns failures into exit code 1.
pub(crate) async fn report(
    queue: &Queue,
    results: &[(Job, u64)],
    json: bool,
) -> Result<(), Failure> {
    for (job, sent) in results {
        print_job(queue, job, *sent, json).await;
    }
    let failed: Vec<_> = results
        .iter()
        .filter(|(j, _)| j.state == JobState::Failed)
        .collect();
    let pending = results
        .iter()
        .filter(|(j, _)| idance_core::lifecycle::is_runner_work(j))
        .count();
    if let Some((job, _)) = failed.first() {
        return Err(Failure::Work(anyhow!(
            "job {} ({}): {}",
            job.job_id,
            job.file,
            job.error.as_deref().unwrap_or("failed")
        )));
    }
    if pending > 0 {
        return Err(Failure::Work(anyhow!(
            "{pending} job(s) still waiting; `idance sync` continues them"
        )));
    }
    Ok(())
}

/// Progress bars on a terminal (stderr), fed by the uploader's events.
pub(crate) fn show_progress(runner: &Runner, json: bool) -> Option<tokio::task::JoinHandle<()>> {
    use std::io::IsTerminal;
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let mut events = runner.uploader.subscribe();
    Some(tokio::spawn(async move {
        let bars = indicatif::MultiProgress::new();
        let style = indicatif::ProgressStyle::with_template(
            "{msg:12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        let mut by_job = std::collections::HashMap::new();
        while let Ok(p) = events.recv().await {
            let bar = by_job.entry(p.job_id.clone()).or_insert_with(|| {
                let b = bars.add(indicatif::ProgressBar::new(p.total).with_style(style.clone()));
                b.set_message(p.job_id.clone());
                b
            });
            bar.set_position(p.bytes_done);
            if p.bytes_done >= p.total {
                bar.finish();
            }
        }
    }))
}

//! The last step of an upload, shared by `upload` and `upload --compress`: send the
//! queued jobs now (or, queued only, leave them) and report their videos.

use crate::Failure;
use crate::print::{print_job, report, show_progress};
use anyhow::anyhow;
use idance_contract::FileKind;
use idance_core::{Job, Queue, Runner};
use std::time::Duration;

/// Uploads `ids` now with `runner` (or, queued only, lists them as they stand) and
/// reports the videos; fails when one is not done or `refused` files were not queued.
pub(crate) async fn send_and_report(
    queue: &Queue,
    runner: Option<&Runner>,
    ids: &[String],
    json: bool,
    refused: usize,
) -> Result<(), Failure> {
    let results = match runner {
        Some(r) => {
            let bars = show_progress(r, json);
            let results = r.sync(Some(ids), Duration::MAX).await;
            bars.inspect(|b| b.abort());
            Some(results.map_err(|e| Failure::Work(e.into()))?)
        }
        None => None,
    };
    report_results(queue, results, ids, json, refused).await
}

/// Reports the videos of `ids`: as `results` of an upload (fails when one is not done),
/// or, queued only (None), as they stand. Fails too when `refused` files were not queued.
pub(crate) async fn report_results(
    queue: &Queue,
    results: Option<Vec<(Job, u64)>>,
    ids: &[String],
    json: bool,
    refused: usize,
) -> Result<(), Failure> {
    let uploaded = results.is_some();
    let results = match results {
        Some(r) => r,
        None => {
            let mut v = Vec::new();
            for id in ids {
                let job = queue.job(id.clone()).await;
                v.push((job.map_err(|e| Failure::Work(e.into()))?, 0));
            }
            v
        }
    };
    // Thumbnails go with their videos; the videos are what is reported.
    let videos: Vec<(Job, u64)> = results
        .into_iter()
        .filter(|(j, _)| j.kind == FileKind::Video)
        .collect();
    if uploaded {
        // `report` fails on any not done.
        report(queue, &videos, json).await?;
    } else {
        for (job, sent) in &videos {
            print_job(queue, job, *sent, json).await;
        }
    }
    if refused > 0 {
        return Err(Failure::Work(anyhow!(
            "{refused} file(s) were not queued (see above)"
        )));
    }
    Ok(())
}

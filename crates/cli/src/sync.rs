//! `idance sync`: uploads every job the queue holds and reports the ones it touched.

use crate::Failure;
use crate::args::{Global, SyncArgs};
use crate::client::{open_queue, runner};
use crate::print::{report, show_progress};
use idance_core::{DataDir, Job, JobState};
use std::time::Duration;

pub async fn sync(data: &DataDir, global: &Global, args: SyncArgs) -> Result<(), Failure> {
    let queue = open_queue(data)?;
    let (runner, _direct) = runner(data, global, queue.clone(), args.limit, args.timeout).await?;
    let bars = show_progress(&runner, args.json);
    let results = runner
        .sync(None, args.timeout.unwrap_or(Duration::MAX))
        .await;
    bars.inspect(|b| b.abort());
    let results = results.map_err(|e| Failure::Work(e.into()))?;
    let touched: Vec<(Job, u64)> = results
        .into_iter()
        .filter(|(j, sent)| {
            *sent > 0
                || j.state.is_pending()
                || j.state == JobState::Failed
                || j.state == JobState::Completed
        })
        .collect();
    report(&queue, &touched, args.json).await
}

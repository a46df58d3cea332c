//! `idance upload`: files are queued (read and thumbnailed on every core) and each is
//! sent as soon as it is queued; `--compress auto|always` hands over to `compress`.

use crate::Failure;
use crate::args::{Global, UploadArgs};
use crate::client::{open_queue, runner};
use crate::print::show_progress;
use crate::send::report_results;
use anyhow::anyhow;
use idance_core::DataDir;
use idance_core::intake::{Added, IntakeError, SessionChoice};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

pub async fn upload(data: &DataDir, global: &Global, args: UploadArgs) -> Result<(), Failure> {
    if args.session != "new" && args.files.len() != 1 {
        return Err(Failure::Usage(anyhow!(
            "--session ID takes exactly one file; use --session new for several"
        )));
    }
    if args.compress != idance_media::compress::Mode::Off {
        return crate::compress::upload(data, global, args).await;
    }
    let queue = open_queue(data)?;
    // Check the token before queueing anything when we are to upload now.
    let (runner, _direct) = if args.queue_only {
        (None, None)
    } else {
        let (r, d) = runner(data, global, queue.clone(), args.limit, None).await?;
        (Some(r), d)
    };
    let session = (args.session != "new").then(|| SessionChoice::Server(args.session.clone()));
    let thumbs = data.thumbnails();
    // Files are read and thumbnails made on every core, and each file is sent as soon as
    // it is queued, while the rest is still being read.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (added_tx, added_rx) = mpsc::channel(256);
    let (feed_tx, feed_rx) = mpsc::channel(4096);
    let intake = idance_core::intake::add_files(
        &queue,
        &args.files,
        session,
        (!args.no_thumbnail).then_some(thumbs.as_path()),
        cores,
        added_tx,
    );
    let results = async {
        match &runner {
            Some(r) => {
                let bars = show_progress(r, args.json);
                let results = r.sync_fed(feed_rx, Duration::MAX).await;
                bars.inspect(|b| b.abort());
                results.map(Some)
            }
            None => Ok(None),
        }
    };
    let ((), (ids, refused), results) = tokio::join!(intake, forward(added_rx, feed_tx), results);
    let results = results.map_err(|e| Failure::Work(e.into()))?;
    report_results(&queue, results, &ids, args.json, refused).await
}

/// Feeds each queued file's jobs to the runner (the thumbnail first: the video's
/// completion names it) and says which files were refused. Returns the ids fed and
/// how many files were refused.
async fn forward(
    mut added: mpsc::Receiver<(PathBuf, Result<Added, IntakeError>)>,
    feed: mpsc::Sender<String>,
) -> (Vec<String>, usize) {
    let (mut ids, mut refused) = (Vec::new(), 0);
    while let Some((_, added)) = added.recv().await {
        match added {
            Ok(a) => {
                if let Some(why) = a.thumbnail_error {
                    eprintln!("warning: {}: no thumbnail ({why})", a.video.file);
                }
                for id in a
                    .thumbnail_job
                    .map(|j| j.job_id)
                    .into_iter()
                    .chain([a.video.job_id])
                {
                    let _ = feed.send(id.clone()).await;
                    ids.push(id);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                refused += 1;
            }
        }
    }
    (ids, refused)
}

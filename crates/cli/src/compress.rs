//! `idance upload --compress auto|always`: videos far above what a class needs are
//! encoded again and uploaded while they encode (a runner feeds each growing copy as it
//! grows, as `idance record --upload` does); the others go up as they are.

use crate::Failure;
use crate::args::{Global, UploadArgs};
use crate::client::{open_queue, runner};
use crate::send::send_and_report;
use idance_core::compress::{self, Compression, Taken};
use idance_core::{DataDir, SessionChoice};
use std::time::Duration;

pub async fn upload(data: &DataDir, global: &Global, args: UploadArgs) -> Result<(), Failure> {
    let client = data.client();
    let thumbs = data.thumbnails();
    let queue = open_queue(data)?;
    // With an upload to do, a bad token or server is reported before any encode.
    let main = match args.queue_only {
        true => None,
        false => Some(runner(data, global, queue.clone(), args.limit, None).await?),
    };
    let choice = idance_media::encoders::choose(&client).await;
    let compression = Compression {
        mode: args.compress,
        dir: compress::copies_dir(&client),
        encoders: choice.usable(),
        cache: Some(client.clone()),
    };
    let mut ids = Vec::new();
    let mut encodings = Vec::new();
    let mut refused = 0;
    for file in &args.files {
        let session = match args.session.as_str() {
            "new" => SessionChoice::New {
                title: file.file_stem().map(|s| s.to_string_lossy().into_owned()),
            },
            id => SessionChoice::Server(id.to_string()),
        };
        match compress::take_in(&queue, file, session, &thumbs, &compression).await {
            Ok(Taken::AsItIs(i)) => {
                eprintln!("{}: sent as it is", file.display());
                ids.extend(i.thumbnail_job.map(|j| j.job_id));
                ids.push(i.video.job_id);
            }
            Ok(Taken::Compressing(e)) => {
                eprintln!("{}: optimizing into {}", file.display(), e.job().file);
                encodings.push(e);
            }
            Err(e) => {
                eprintln!("error: {e}");
                refused += 1;
            }
        }
    }
    // Upload while encoding: one runner feeds the growing copies until they are done.
    let growing: Vec<String> = encodings.iter().map(|e| e.job().job_id.clone()).collect();
    let feeder = match (&main, growing.is_empty()) {
        (Some(_), false) => {
            let (feeder, direct) = runner(data, global, queue.clone(), args.limit, None).await?;
            let stop = feeder.uploader.cancel_token();
            let task = tokio::spawn(async move {
                let _keep = direct;
                let _ = feeder.sync(Some(&growing), Duration::MAX).await;
            });
            Some((stop, task))
        }
        _ => None,
    };
    for e in encodings {
        let file = e.job().file.clone();
        match e.finish(&queue, &thumbs).await {
            Ok((video, thumb)) => {
                ids.extend(thumb.map(|j| j.job_id));
                ids.push(video.job_id);
            }
            Err(err) => {
                eprintln!("error: {file}: {err}");
                refused += 1;
            }
        }
    }
    if let Some((stop, task)) = feeder {
        stop.cancel();
        let _ = task.await;
    }
    let runner = main.as_ref().map(|(r, _direct)| r);
    send_and_report(&queue, runner, &ids, args.json, refused).await
}

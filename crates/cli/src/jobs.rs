//! `upload`, `sync`, `queue`, `pause`, `resume`, `cancel`, `probe`, `thumbnail`: the client commands.

use crate::Failure;
use crate::args::{Global, SyncArgs, UploadArgs};
use anyhow::anyhow;
use idance_contract::FileKind;
use idance_core::intake::SessionChoice;
use idance_core::lifecycle::{self, Outcome, Transition};
use idance_core::{ApiClient, Job, JobState, Queue, Runner, Uploader, UploaderConfig};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

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

pub(crate) fn open_queue(data_dir: &Path) -> Result<Queue, Failure> {
    Queue::open(&data_dir.join("client").join("queue.db")).map_err(|e| Failure::Work(e.into()))
}

/// The iDance server the desktop app was set to (its `settings.json` in the data dir),
/// when it was set to one.
fn app_server(data_dir: &Path) -> Option<String> {
    let text = std::fs::read(data_dir.join("settings.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let backend = v.get("backend")?;
    (backend.get("mode")?.as_str()? == "remote")
        .then(|| backend.get("server_url")?.as_str().map(str::to_string))
        .flatten()
}

/// The API client for client commands: the configured server and token, or in direct
/// mode the in-process service (returned too: it must outlive the client).
async fn api_client(
    data_dir: &Path,
    global: &Global,
) -> Result<(ApiClient, Option<idance_server::ServerHandle>), Failure> {
    if global.direct {
        let d = crate::direct::start(data_dir).await?;
        let token = d
            .jwt
            .issue(
                idance_core::direct::USER,
                Duration::from_secs(30 * 24 * 3600),
            )
            .map_err(|e| Failure::Work(e.into()))?;
        let api = ApiClient::new(&d.base_url(), &token).map_err(|e| Failure::Usage(e.into()))?;
        return Ok((api, Some(d)));
    }
    // Flags and environment first, then a sign-in (`idance login` or the app's) to
    // that server, then a token the app saved.
    let client_dir = data_dir.join("client");
    let (saved, pasted) = saved_credentials(&client_dir).await?;
    let server = server_url(data_dir, global, saved.as_ref());
    let api = match (&global.token, saved, pasted) {
        (Some(token), _, _) => ApiClient::new(&server, token),
        (None, Some(s), _) if s.server == server.trim_end_matches('/') => {
            let sign_in = idance_core::SignIn::new(&server, &client_dir)
                .map_err(|e| Failure::Usage(e.into()))?;
            ApiClient::signed_in(std::sync::Arc::new(sign_in))
        }
        (None, _, Some(token)) => ApiClient::new(&server, &token),
        (None, _, None) => {
            return Err(Failure::Usage(anyhow!(
                "not signed in to {server}: run `idance login`, pass --token or set IDANCE_TOKEN (`idance token --user U` makes one for a local server), or use --direct"
            )));
        }
    }
    .map_err(|e| Failure::Usage(e.into()))?;
    Ok((api, None))
}

/// The saved sign-in and the token the app saved (from the keychain: off the runtime).
pub(crate) async fn saved_credentials(
    client_dir: &Path,
) -> Result<(Option<idance_core::api::sign_in::Saved>, Option<String>), Failure> {
    let dir = client_dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let secrets = idance_core::secrets::Secrets::new(dir.clone());
        (
            idance_core::SignIn::saved_in(&dir),
            secrets.get(idance_core::secrets::TOKEN),
        )
    })
    .await
    .map_err(|e| Failure::Work(e.into()))
}

/// The server for client commands: `--server`, else the one signed in to, else the
/// app's, else the local default.
pub(crate) fn server_url(
    data_dir: &Path,
    global: &Global,
    saved: Option<&idance_core::api::sign_in::Saved>,
) -> String {
    global
        .server
        .clone()
        .or_else(|| saved.map(|s| s.server.clone()))
        .or_else(|| app_server(data_dir))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
}

/// The runner for client commands, and in direct mode the in-process service that
/// presigns for it (kept alive by the caller for as long as the runner works).
/// `timeout`: how long outages are waited out (also inside one job).
pub(crate) async fn runner(
    data_dir: &Path,
    global: &Global,
    queue: Queue,
    limit: Option<u64>,
    timeout: Option<Duration>,
) -> Result<(Runner, Option<idance_server::ServerHandle>), Failure> {
    let (api, direct) = api_client(data_dir, global).await?;
    let defaults = UploaderConfig::default();
    let config = UploaderConfig {
        max_bytes_per_sec: limit,
        max_outage: timeout.unwrap_or(defaults.max_outage),
        ..defaults
    };
    Ok((Runner::new(Uploader::new(api, queue, config)), direct))
}

async fn print_job(queue: &Queue, job: &Job, bytes_sent: u64, json: bool) {
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
    let pending = results.iter().filter(|(j, _)| j.state.is_pending()).count();
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

pub async fn upload(data_dir: &Path, global: &Global, args: UploadArgs) -> Result<(), Failure> {
    if args.session != "new" && args.files.len() != 1 {
        return Err(Failure::Usage(anyhow!(
            "--session ID takes exactly one file; use --session new for several"
        )));
    }
    if args.compress != idance_media::compress::Mode::Off {
        return crate::compress::upload(data_dir, global, args).await;
    }
    let queue = open_queue(data_dir)?;
    // Check the token before queueing anything when we are to upload now.
    let (runner, _direct) = if args.queue_only {
        (None, None)
    } else {
        let (r, d) = runner(data_dir, global, queue.clone(), args.limit, None).await?;
        (Some(r), d)
    };
    let session = (args.session != "new").then(|| SessionChoice::Server(args.session.clone()));
    let thumbs = data_dir.join("client").join("thumbnails");
    // Files are read and thumbnails made on every core, and each file is sent as soon as
    // it is queued, while the rest is still being read.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (added_tx, mut added_rx) = tokio::sync::mpsc::channel(256);
    let (feed_tx, feed_rx) = tokio::sync::mpsc::channel(4096);
    let intake = idance_core::intake::add_files(
        &queue,
        &args.files,
        session,
        (!args.no_thumbnail).then_some(thumbs.as_path()),
        cores,
        added_tx,
    );
    let forward = async move {
        let (mut ids, mut refused) = (Vec::new(), 0);
        while let Some((_, added)) = added_rx.recv().await {
            match added {
                Ok(a) => {
                    if let Some(why) = a.thumbnail_error {
                        eprintln!("warning: {}: no thumbnail ({why})", a.video.file);
                    }
                    // The thumbnail first: the video's completion names it.
                    for id in a
                        .thumbnail_job
                        .map(|j| j.job_id)
                        .into_iter()
                        .chain([a.video.job_id])
                    {
                        let _ = feed_tx.send(id.clone()).await;
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
    };
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
    let ((), (ids, refused), results) = tokio::join!(intake, forward, results);
    let results = results.map_err(|e| Failure::Work(e.into()))?;
    report_results(&queue, results, &ids, args.json, refused).await
}

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
async fn report_results(
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

pub async fn sync(data_dir: &Path, global: &Global, args: SyncArgs) -> Result<(), Failure> {
    let queue = open_queue(data_dir)?;
    let (runner, _direct) =
        runner(data_dir, global, queue.clone(), args.limit, args.timeout).await?;
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

pub async fn list(data_dir: &Path, json: bool) -> Result<(), Failure> {
    let queue = open_queue(data_dir)?;
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

pub async fn pause(data_dir: &Path, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data_dir)?;
    apply_to(&queue, which, Transition::Pause, async |j| {
        lifecycle::pause(&queue, &j.job_id).await
    })
    .await
    .map(|_| ())
}

pub async fn resume(data_dir: &Path, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data_dir)?;
    apply_to(&queue, which, Transition::Resume, async |j| {
        lifecycle::resume(&queue, &j.job_id).await
    })
    .await
    .map(|_| ())
}

pub async fn cancel(data_dir: &Path, global: &Global, which: &str) -> Result<(), Failure> {
    let queue = open_queue(data_dir)?;
    // Cancelling works offline and without a token; the abort is then skipped.
    let (api, _direct) = match api_client(data_dir, global).await {
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

pub async fn probe(file: &Path) -> Result<(), Failure> {
    let info = idance_media::probe(file)
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    println!(
        "{}",
        serde_json::to_string(&info).map_err(|e| Failure::Work(e.into()))?
    );
    Ok(())
}

pub async fn thumbnail(file: &Path, out: Option<&Path>) -> Result<(), Failure> {
    let t = idance_media::thumbnail(file, out)
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    println!("{}", t.path.display());
    Ok(())
}

pub async fn trim(args: crate::args::TrimArgs) -> Result<(), Failure> {
    use idance_media::trim::TrimError;
    let (out, info) =
        idance_media::trim::trim(&args.file, args.start, args.end, args.out.as_deref())
            .await
            .map_err(|e| match e {
                TrimError::Range { .. } | TrimError::Exists(_) => Failure::Usage(e.into()),
                _ => Failure::Work(e.into()),
            })?;
    eprintln!(
        "cut to {:.1} s (from the keyframe at or before the start)",
        info.duration
    );
    println!("{}", out.display());
    Ok(())
}

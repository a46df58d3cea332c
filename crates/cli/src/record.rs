//! `idance record` and `idance devices`.

use crate::Failure;
use crate::args::{DevicesArgs, Global, RecordArgs};
use crate::client::{open_queue, runner};
use crate::print::show_progress;
use anyhow::anyhow;
use idance_core::take::{Destination, Take};
use idance_core::{DataDir, JobState, SessionChoice};
use idance_media::devices::{self, Source};
use idance_media::record::{
    Controls, RecordError, RecordSpec, RecordState, RecordStatus, unfinished,
};
use idance_media::{encoders, space};
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::watch;

pub async fn record(data: &DataDir, global: &Global, args: RecordArgs) -> Result<(), Failure> {
    let client = data.client();
    let recordings = data.recordings();
    std::fs::create_dir_all(&recordings)
        .map_err(|e| Failure::Work(anyhow!("cannot create {}: {e}", recordings.display())))?;
    for u in unfinished(&recordings) {
        eprintln!(
            "note: {} was not finished (the recorder stopped unexpectedly); it plays up to its last second: `idance upload {} --session new` uploads it",
            u.path.display(),
            u.path.display()
        );
    }
    let source = |s: &Option<String>| s.as_deref().map(Source::parse);
    let choice = encoders::choose(&client).await;
    let usable = match args.encoder.as_deref() {
        None => choice.usable(),
        Some(name) => {
            let asked = encoders::by_name(name).ok_or_else(|| {
                Failure::Usage(anyhow!(
                    "unknown encoder '{name}'; known: {}",
                    encoders::names().join(", ")
                ))
            })?;
            let mut l = vec![asked];
            if asked.name != encoders::LIBX264.name {
                l.push(&encoders::LIBX264);
            }
            l
        }
    };
    let spec = RecordSpec {
        screen: source(&args.screen),
        camera: source(&args.camera),
        mic: source(&args.mic),
        fps: args.fps,
        duration: args.duration,
        preview: None,
        encoders: usable.clone(),
        encoder_cache: Some(client.clone()),
        reencode: None,
        // Online fast starts capped at the ceiling, so every process of the file runs
        // the same rate control.
        video_cap: args.online_fast.then_some(idance_core::pace::CEILING_KBPS),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        recordings.join(format!(
            "{}.mp4",
            chrono::Local::now().format("%Y-%m-%d_%H-%M-%S")
        ))
    });
    let folder = out.parent().unwrap_or(&recordings);
    if let Ok(room) = space::room(folder) {
        let warn = if room.low { "warning: only " } else { "" };
        eprintln!("{warn}{} in {}", room.words(), folder.display());
    }
    // With --upload, a bad token or server is reported before anything is recorded.
    let upload = match args.upload {
        true => {
            let queue = open_queue(data)?;
            let (runner, direct) = runner(data, global, queue.clone(), None, None).await?;
            let session = match args.session.as_deref() {
                Some("new") | None => SessionChoice::New {
                    title: args
                        .title
                        .clone()
                        .or_else(|| out.file_stem().map(|s| s.to_string_lossy().into_owned())),
                },
                Some(id) => SessionChoice::Server(id.to_string()),
            };
            let to = Destination {
                queue: queue.clone(),
                session,
                thumbs_dir: data.thumbnails(),
                hold: false,
            };
            Some((to, runner, direct))
        }
        false => None,
    };
    let take = Take::start(
        &spec,
        &out,
        args.title.as_deref(),
        upload.as_ref().map(|(to, _, _)| to.clone()),
    )
    .await
    .map_err(|e| match e {
        RecordError::Args(_) | RecordError::Exists(_) => Failure::Usage(e.into()),
        _ => Failure::Work(e.into()),
    })?;
    // Upload while recording: the recording is a growing job from its first second, and
    // a runner sends each full part as soon as it is written.
    let mut live = None;
    if let (Some((to, _, _)), Some(job)) = (&upload, take.job_id()) {
        let (feeder, _direct) = runner(data, global, to.queue.clone(), None, None).await?;
        if args.online_fast {
            tokio::spawn(idance_core::pace::online_fast(
                take.controls(),
                take.status(),
                feeder.uploader.uplink(),
            ));
        }
        let stop = feeder.uploader.cancel_token();
        let ids = vec![job.to_string()];
        let task = tokio::spawn(async move {
            let _keep = _direct;
            let _ = feeder.sync(Some(&ids), Duration::MAX).await;
        });
        live = Some((stop, task));
    }
    eprintln!("encoder: {}", usable[0].label);
    let toggler = toggle_pause(take.controls(), args.pause_key);
    let ticker = show_status(take.status(), args.pause_key);
    let mic = warn_when_mic_silent(take.status());
    let caps = say_caps(take.status());
    let stopped = take
        .stop_when(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    if upload.is_some() {
        eprintln!(
            "recording stopped: {:.1} MB in {:.0} s; uploading what is left",
            stopped.bytes() as f64 / 1e6,
            stopped.elapsed_secs()
        );
    }
    // Stop the part feeder (its parts are stored and recorded) before the take is
    // finished, then upload the tail with the thumbnail first.
    if let Some((stop, task)) = live {
        stop.cancel();
        let _ = task.await;
    }
    let taken = stopped.queue().await;
    ticker.inspect(|t| t.abort());
    toggler.abort();
    mic.abort();
    caps.abort();
    if let Some(n) = &taken.notice {
        eprintln!("note: {}: {n}", taken.path.display());
    }
    if let Some(e) = &taken.error {
        eprintln!("error: {}: {e}", taken.path.display());
    }
    println!("{}", taken.path.display());
    let failure = match (taken.graceful, &taken.error) {
        (true, None) => None,
        (false, _) => Some(anyhow!(
            "{}: the recording did not finish normally; the {:.0} s recorded are kept",
            taken.path.display(),
            taken.elapsed_secs
        )),
        (true, Some(e)) => Some(anyhow!("{e}")),
    };
    let Some((_, runner, _direct)) = upload else {
        return failure.map_or(Ok(()), |e| Err(Failure::Work(e)));
    };
    if taken.jobs.is_empty() {
        return Err(Failure::Work(
            failure.unwrap_or_else(|| anyhow!("nothing was queued")),
        ));
    }
    let bars = show_progress(&runner, false);
    let results = runner.sync(Some(&taken.jobs), Duration::MAX).await;
    bars.inspect(|b| b.abort());
    let results = results.map_err(|e| Failure::Work(e.into()))?;
    if let Some((job, _)) = results.iter().find(|(j, _)| j.state != JobState::Completed) {
        return Err(Failure::Work(anyhow!(
            "job {} ({}): {}",
            job.job_id,
            job.file,
            job.error.as_deref().unwrap_or(job.state.as_str())
        )));
    }
    failure.map_or(Ok(()), |e| Err(Failure::Work(e)))
}

/// Pause and resume from outside: SIGUSR1 (Unix), and with `--pause-key` each line
/// on standard input (Enter).
fn toggle_pause(controls: Controls, key: bool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let toggle = || match controls.toggle() {
            Ok(()) => {}
            Err(e) => eprintln!("note: {e}"),
        };
        let lines = async {
            if !key {
                return std::future::pending::<()>().await;
            }
            use tokio::io::AsyncBufReadExt;
            let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            while let Ok(Some(_)) = lines.next_line().await {
                toggle();
            }
            // Standard input closed: nothing more comes from it.
            std::future::pending::<()>().await
        };
        #[cfg(unix)]
        let signals = async {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::user_defined1()) {
                Ok(mut usr1) => {
                    while usr1.recv().await.is_some() {
                        toggle();
                    }
                }
                Err(e) => eprintln!("note: SIGUSR1 will not pause: {e}"),
            }
            std::future::pending::<()>().await
        };
        #[cfg(not(unix))]
        let signals = std::future::pending::<()>();
        tokio::join!(lines, signals);
    })
}

/// A line on stderr when the microphone has heard nothing for 10 s (a dead, muted or
/// wrong device would otherwise cost the whole class's sound), and when it hears again.
fn warn_when_mic_silent(mut status: watch::Receiver<RecordStatus>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut silent = false;
        while status.changed().await.is_ok() {
            let now = status.borrow_and_update().mic_silent;
            if now != silent {
                silent = now;
                if silent {
                    eprintln!(
                        "\nwarning: the microphone has heard nothing for 10 s: check that it is plugged in, switched on and not muted (the recording goes on)"
                    );
                } else {
                    eprintln!("\nnote: the microphone hears sound again");
                }
            }
        }
    })
}

/// A line on stderr each time Online fast changes the video's cap.
fn say_caps(mut status: watch::Receiver<RecordStatus>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut cap = status.borrow().video_kbps;
        while status.changed().await.is_ok() {
            let now = status.borrow_and_update().video_kbps;
            if let (Some(before), Some(k)) = (cap, now)
                && before != k
            {
                let at = status.borrow().elapsed_secs;
                eprintln!(
                    "\nnote: at {at:.0} s the video is capped at {:.1} Mbit/s (was {:.1}): what the uplink carries",
                    f64::from(k) / 1000.0,
                    f64::from(before) / 1000.0
                );
            }
            cap = now;
        }
    })
}

/// One status line on a terminal: elapsed, size, fps, drops, mic level.
fn show_status(
    mut status: watch::Receiver<RecordStatus>,
    pause_key: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(tokio::spawn(async move {
        let spinner = indicatif::ProgressBar::new_spinner();
        while status.changed().await.is_ok() {
            let s = status.borrow_and_update().clone();
            let secs = s.elapsed_secs as u64;
            let cap = s
                .video_kbps
                .map(|k| format!(" · video ≤ {:.1} Mbit/s", f64::from(k) / 1000.0))
                .unwrap_or_default();
            let level = s
                .audio_level_db
                .map(|db| format!(" · mic {db:.0} dB"))
                .unwrap_or_default();
            let doing = match s.state {
                RecordState::Stopping => "stopping",
                RecordState::Finishing => "saving",
                RecordState::Paused => "paused",
                _ => "recording",
            };
            let keys = match (pause_key, s.state) {
                (true, RecordState::Paused) => "Enter resumes, Ctrl-C stops",
                (true, _) => "Enter pauses, Ctrl-C stops",
                (false, _) => "Ctrl-C stops",
            };
            spinner.set_message(format!(
                "{doing} {:02}:{:02}:{:02} · {:.1} MB · {:.0} fps · {} dropped{cap}{level} ({keys})",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                s.bytes_written as f64 / 1e6,
                s.fps,
                s.dropped_frames
            ));
            spinner.tick();
        }
        spinner.finish_and_clear();
    }))
}

pub async fn list_devices(data: &DataDir, args: DevicesArgs) -> Result<(), Failure> {
    if args.encoders {
        return list_encoders(data, args.json).await;
    }
    let json = args.json;
    for d in devices::list().await {
        if json {
            println!(
                "{}",
                serde_json::to_string(&d).map_err(|e| Failure::Work(e.into()))?
            );
        } else {
            let mark = if d.default { "*" } else { " " };
            println!(
                "{mark} {:<7} {:<40} {}",
                format!("{:?}", d.kind).to_lowercase(),
                d.id,
                d.name
            );
        }
    }
    Ok(())
}

/// The encoder a recording uses here and every trial behind the choice.
async fn list_encoders(data: &DataDir, json: bool) -> Result<(), Failure> {
    let choice = encoders::choose(&data.client()).await;
    let chosen = choice.chosen();
    if json {
        let line = serde_json::json!({"chosen": chosen.name, "label": chosen.label, "trials": choice.trials});
        println!("{line}");
        return Ok(());
    }
    println!("encoder: {} ({})", chosen.label, chosen.name);
    for t in &choice.trials {
        let mark = if t.encoder == chosen.name { "*" } else { " " };
        match &t.error {
            None => println!("{mark} {:<18} works", t.encoder),
            Some(e) => println!("{mark} {:<18} fails: {e}", t.encoder),
        }
    }
    Ok(())
}

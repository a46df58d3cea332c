//! Recording a session into one fragmented MP4 file, appended by this process from
//! ffmpeg's stdout (so it knows exactly which bytes are final). A recording is one or
//! more ffmpeg processes: Pause ends the running one gracefully (the devices are
//! released), Resume starts the next, whose fragments go on in the same file where it
//! ends ([`fragments`]); paused time is not in the file. A hardware encoder that fails
//! before the file has its header gives way to the next encoder. The free space of the
//! file's disk is watched: under the reserve the recording stops gracefully, kept.
//! Stop is graceful (`q`, a bounded wait, then kill).

pub mod args;
pub mod fragments;
pub mod marker;
pub mod status;

pub use args::{ArgsError, RecordSpec, Segment, ffmpeg_args, preview_args, segment_args};
pub use marker::{Marker, Unfinished, dismiss, encode_source, is_recording, unfinished};
pub use status::{RecordState, RecordStatus};

use crate::devices::Os;
use crate::encoders::{Encoder, LIBX264};
use crate::problem::{Problem, ProblemKind};
use crate::space;
use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};
use fragments::Fragments;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// How long Stop waits for ffmpeg to finish writing before it kills it.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often appended bytes are synced to disk (and become `bytes_durable`), and the
/// disk's free space looked at.
const SYNC_EVERY: Duration = Duration::from_millis(500);
/// A continuation starts this far past the file's end: AAC's first packet is timed
/// 1024 samples (21 ms at 48 kHz) before its process's start.
const CONTINUATION_MARGIN: f64 = 0.05;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Args(#[from] ArgsError),
    #[error("{0} already exists: recordings never overwrite a file")]
    Exists(String),
    #[error("cannot create {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start ffmpeg (is it installed and on PATH?): {0}")]
    Spawn(std::io::Error),
    #[error(
        "only {free_mb} MB are free on the disk of {dir}: a recording needs at least {needed_mb} MB; free some space or choose another folder"
    )]
    NoSpace {
        dir: String,
        free_mb: u64,
        needed_mb: u64,
    },
    #[error("the recording is stopping: it can no longer be paused or resumed")]
    Stopping,
    #[error("this recording puts quality first: its bitrate is never capped")]
    NotCapped,
}

/// How a recording ended. The file is kept in every case.
#[derive(Debug)]
pub struct Finished {
    pub path: PathBuf,
    pub bytes: u64,
    pub elapsed_secs: f64,
    /// Stopped on request, at the set duration or by itself for lack of space, and
    /// finalized by ffmpeg.
    pub graceful: bool,
    /// What went wrong (device lost, disk full, ffmpeg killed...).
    pub error: Option<Problem>,
    /// Why it stopped by itself although nothing went wrong (the disk almost full).
    pub notice: Option<Problem>,
    marker: Marker,
}

impl Finished {
    /// The recording is in safe hands (queued or reported): forget its recovery marker.
    pub fn hand_off(self) -> std::io::Result<PathBuf> {
        self.marker.release()?;
        Ok(self.path)
    }
}

/// What is wanted of the recording; the supervisor acts on it between processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Record,
    Pause,
    Stop,
}

struct Inner {
    want: Want,
    /// The ffmpeg process running now (none while paused).
    child: Option<FfmpegChild>,
    /// Why the recorder stopped itself.
    notice: Option<Problem>,
    /// The video's bitrate cap for the next process, kbit/s (None: never capped).
    cap: Option<u32>,
    /// The running process is ending to start the next with a new cap.
    switching: bool,
}

/// Pause, resume and stop, shared by the recording's handle and its supervisor.
struct Control {
    inner: Mutex<Inner>,
    changed: Condvar,
    status: Arc<watch::Sender<RecordStatus>>,
}

impl Control {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panicked holder left plain data: still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for `want`; a running ffmpeg is told to finish (`q`) unless recording goes
    /// on. Stop is final.
    fn ask(&self, want: Want) -> Result<(), RecordError> {
        let mut inner = self.lock();
        match (inner.want, want) {
            (Want::Stop, Want::Stop) => return Ok(()),
            (Want::Stop, _) => return Err(RecordError::Stopping),
            (now, asked) if now == asked => return Ok(()),
            _ => {}
        }
        inner.want = want;
        if want != Want::Record
            && let Some(child) = inner.child.as_mut()
        {
            // Fails only when ffmpeg already exited: then it is finishing anyway.
            let _ = child.quit();
        }
        drop(inner);
        match want {
            Want::Pause => self.status.send_modify(|s| s.state = RecordState::Paused),
            Want::Record => self.status.send_modify(|s| {
                if s.state == RecordState::Paused {
                    s.state = RecordState::Recording;
                }
            }),
            Want::Stop => {}
        }
        self.changed.notify_all();
        Ok(())
    }

    /// Stops by itself, keeping the recording, and says why.
    fn stop_because(&self, why: Problem) {
        self.lock().notice.get_or_insert(why);
        let _ = self.ask(Want::Stop);
    }

    /// A new cap: the running process ends gracefully and the next goes on in the
    /// file at once with it (a cut of about the time ffmpeg takes to start). Answers
    /// whether anything changed.
    fn cap(&self, kbps: u32) -> Result<bool, RecordError> {
        let mut inner = self.lock();
        match (inner.want, inner.cap) {
            (Want::Stop, _) => return Err(RecordError::Stopping),
            (_, None) => return Err(RecordError::NotCapped),
            (_, Some(now)) if now == kbps => return Ok(false),
            _ => {}
        }
        inner.cap = Some(kbps);
        let Inner {
            want,
            child,
            switching,
            ..
        } = &mut *inner;
        if *want == Want::Record
            && let Some(child) = child.as_mut()
        {
            *switching = true;
            // Fails only when ffmpeg already exited: then it is finishing anyway.
            let _ = child.quit();
        }
        Ok(true)
    }

    fn kill(&self) {
        if let Some(child) = self.lock().child.as_mut() {
            let _ = child.kill();
        }
    }

    /// Waits while paused; answers what is wanted next.
    fn wait_paused(&self) -> Want {
        let mut inner = self.lock();
        while inner.want == Want::Pause {
            inner = self.changed.wait(inner).unwrap_or_else(|p| p.into_inner());
        }
        inner.want
    }
}

/// Pause and resume of a running recording, for whoever holds it (the app's buttons,
/// `idance record`'s key or signal).
#[derive(Clone)]
pub struct Controls(Arc<Control>);

impl Controls {
    /// Ends the running ffmpeg process gracefully; nothing is recorded until resumed.
    pub fn pause(&self) -> Result<(), RecordError> {
        self.0.ask(Want::Pause)
    }

    pub fn resume(&self) -> Result<(), RecordError> {
        self.0.ask(Want::Record)
    }

    /// Caps the video at `kbps` from the next second on ("Online fast"; the
    /// recording must have started capped). Answers whether the cap changed.
    pub fn cap_video(&self, kbps: u32) -> Result<bool, RecordError> {
        self.0.cap(kbps)
    }

    /// Pauses a recording, resumes a paused one.
    pub fn toggle(&self) -> Result<(), RecordError> {
        let paused = self.0.lock().want == Want::Pause;
        if paused { self.resume() } else { self.pause() }
    }
}

pub struct Recording {
    path: PathBuf,
    control: Arc<Control>,
    status: watch::Receiver<RecordStatus>,
    done: oneshot::Receiver<Finished>,
}

impl Recording {
    /// Starts recording into `out` (which must not exist yet).
    pub fn start(
        spec: &RecordSpec,
        out: &Path,
        title: Option<&str>,
    ) -> Result<Recording, RecordError> {
        // The command line is checked before anything is created.
        ffmpeg_args(Os::current(), spec)?;
        let dir = out.parent().unwrap_or(Path::new("."));
        // (An encode's room is checked by its caller, who knows its expected size.)
        if spec.reencode.is_none()
            && let Ok(free) = space::free(dir)
            && free < space::reserve(space::EXPECTED_RATE)
        {
            return Err(RecordError::NoSpace {
                dir: dir.display().to_string(),
                free_mb: free / 1_000_000,
                needed_mb: space::reserve(space::EXPECTED_RATE) / 1_000_000,
            });
        }
        let create = |e| RecordError::Create {
            path: out.display().to_string(),
            source: e,
        };
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(out)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => RecordError::Exists(out.display().to_string()),
                _ => create(e),
            })?;
        let source = spec.reencode.as_ref().map(|r| r.source.as_path());
        let marker = Marker::create(out, title, source).map_err(create)?;
        let encoders = match spec.encoders.is_empty() {
            true => vec![&LIBX264],
            false => spec.encoders.clone(),
        };
        let (status_tx, status) = watch::channel(RecordStatus {
            encoder: Some(encoders[0].label.to_string()),
            ..RecordStatus::default()
        });
        let control = Arc::new(Control {
            inner: Mutex::new(Inner {
                want: Want::Record,
                child: None,
                notice: None,
                cap: spec.video_cap,
                switching: false,
            }),
            changed: Condvar::new(),
            status: Arc::new(status_tx),
        });
        let (done_tx, done) = oneshot::channel();
        let supervisor = Supervisor {
            spec: spec.clone(),
            encoders,
            path: out.to_path_buf(),
            control: control.clone(),
        };
        // The first process is started here, so a missing ffmpeg is this call's error.
        let first = supervisor.spawn(0, None, 0.0)?;
        std::thread::spawn(move || {
            let finished = supervisor.run(first, file, marker);
            let _ = done_tx.send(finished);
        });
        Ok(Recording {
            path: out.to_path_buf(),
            control,
            status,
            done,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Live status; the last value stays readable after the end.
    pub fn status(&self) -> watch::Receiver<RecordStatus> {
        self.status.clone()
    }

    pub fn controls(&self) -> Controls {
        Controls(self.control.clone())
    }

    /// Records until the recording ends by itself (set duration, lost device, low
    /// disk) or `stop` resolves; then stops gracefully: `q`, up to [`STOP_GRACE`],
    /// then kill. Stopping while paused finishes at once.
    pub async fn run_until(mut self, stop: impl std::future::Future<Output = ()>) -> Finished {
        tokio::select! {
            finished = &mut self.done => return finished.unwrap_or_else(|_| unreachable_end(&self.path)),
            () = stop => {}
        }
        let _ = self.control.ask(Want::Stop);
        match tokio::time::timeout(STOP_GRACE, &mut self.done).await {
            Ok(finished) => finished.unwrap_or_else(|_| unreachable_end(&self.path)),
            Err(_) => {
                self.control.kill();
                self.done
                    .await
                    .unwrap_or_else(|_| unreachable_end(&self.path))
            }
        }
    }
}

/// A started ffmpeg process: its output and its log.
struct Started {
    stdout: Option<std::process::ChildStdout>,
    events: Result<ffmpeg_sidecar::iter::FfmpegIterator, String>,
    encoder: usize,
}

/// Runs a recording's ffmpeg processes one after another on its own thread.
struct Supervisor {
    spec: RecordSpec,
    encoders: Vec<&'static Encoder>,
    path: PathBuf,
    control: Arc<Control>,
}

/// The file and what is known of it, handed from one process's writer to the next.
struct Sink {
    file: File,
    fragments: Fragments,
    written: u64,
}

impl Supervisor {
    /// Starts an ffmpeg process with encoder `encoder`, going on in the file at
    /// `continuation` after `recorded` seconds.
    fn spawn(
        &self,
        encoder: usize,
        continuation: Option<fragments::Continuation>,
        recorded: f64,
    ) -> Result<Started, RecordError> {
        let duration = self
            .spec
            .duration
            .map(|d| d.saturating_sub(Duration::from_secs_f64(recorded)));
        let cap_kbps = self.control.lock().cap;
        let args = segment_args(
            Os::current(),
            &self.spec,
            Segment {
                encoder: self.encoders[encoder],
                continuation,
                duration,
                cap_kbps,
            },
        )?;
        self.control.status.send_modify(|s| s.video_kbps = cap_kbps);
        let mut child = FfmpegCommand::new()
            .args(&args)
            .spawn()
            .map_err(RecordError::Spawn)?;
        let stdout = child.take_stdout();
        let events = child.iter().map_err(|e| e.to_string());
        let mut inner = self.control.lock();
        if inner.want != Want::Record {
            let _ = child.quit();
        }
        inner.child = Some(child);
        Ok(Started {
            stdout,
            events,
            encoder,
        })
    }

    fn duration_reached(&self, recorded: f64) -> bool {
        self.spec
            .duration
            .is_some_and(|d| recorded >= d.as_secs_f64())
    }

    /// The next process with encoder `encoder`, going on where the file ends (from its
    /// start when it has no header yet).
    fn go_on(
        &self,
        encoder: usize,
        sink: &mut Sink,
        recorded: f64,
    ) -> Result<Started, RecordError> {
        let at = sink
            .fragments
            .has_init()
            .then(|| sink.fragments.continue_after(CONTINUATION_MARGIN));
        self.spawn(encoder, at, recorded)
    }

    fn run(self, first: Started, file: File, marker: Marker) -> Finished {
        let status = self.control.status.clone();
        let mut sink = Sink {
            file,
            fragments: Fragments::default(),
            written: 0,
        };
        let mut next: Result<Started, RecordError> = Ok(first);
        let (graceful, error) = loop {
            let started = match next {
                Ok(s) => s,
                Err(e) => break (false, Some(Problem::failed(e.to_string()))),
            };
            let idx = started.encoder;
            let encoder = self.encoders[idx];
            let before = sink.fragments.fragments();
            let recorded = sink.fragments.end_secs();
            let (pumped, exit, log_error) = self.one_process(started, &mut sink, recorded);
            let wrote_media = sink.fragments.fragments() > before;
            let codec_changes = sink.fragments.codec_changes();
            status.send_modify(|s| s.codec_changes = codec_changes);
            let success = exit.is_some_and(|s| s.success());
            let (want, switching) = {
                let mut inner = self.control.lock();
                (inner.want, std::mem::take(&mut inner.switching))
            };
            if let Err(e) = pumped {
                break (false, Some(Problem::failed(e)));
            }
            // A hardware encoder listed but not working here: the next one, as long as
            // the file has no header (whose codec settings a continuation must share).
            if !success
                && !sink.fragments.has_init()
                && encoder.hardware
                && idx + 1 < self.encoders.len()
                && want != Want::Stop
            {
                let why = log_error.map_or_else(|| "it did not start".into(), |p| p.to_string());
                tracing::warn!(
                    encoder = encoder.name,
                    "failed to start ({why}); falling back"
                );
                if let Some(dir) = &self.spec.encoder_cache {
                    crate::encoders::forget(dir, encoder.name, &why);
                }
                let fallback = self.encoders[idx + 1];
                status.send_modify(|s| {
                    s.encoder = Some(fallback.label.to_string());
                    s.error = None;
                });
                next = self.spawn(idx + 1, None, recorded);
                continue;
            }
            // A new cap: the next process at once, where this one's output ends.
            if want == Want::Record && switching && (success || wrote_media) {
                let recorded = sink.fragments.end_secs();
                if !self.duration_reached(recorded) {
                    next = self.go_on(idx, &mut sink, recorded);
                    continue;
                }
            }
            if want == Want::Pause && (success || wrote_media) {
                // What the file holds is the time recorded (ffmpeg's last report may
                // lag its last fragment).
                let recorded = sink.fragments.end_secs();
                status.send_modify(|s| {
                    s.state = RecordState::Paused;
                    s.elapsed_secs = recorded;
                });
                match self.control.wait_paused() {
                    Want::Stop => break (true, None),
                    _ => {
                        if self.duration_reached(recorded) {
                            break (true, None);
                        }
                        next = self.go_on(idx, &mut sink, recorded);
                        continue;
                    }
                }
            }
            let error = match success {
                true => None,
                false => Some(log_error.unwrap_or_else(|| {
                    Problem::failed(match exit.and_then(|s| s.code()) {
                        Some(code) => format!("ffmpeg stopped with exit code {code}"),
                        None => "ffmpeg was killed".to_string(),
                    })
                })),
            };
            break (success, error);
        };
        let bytes = sink.written;
        let notice = self.control.lock().notice.clone();
        let mut elapsed = 0.0;
        status.send_modify(|s| {
            s.state = if graceful {
                RecordState::Finished
            } else {
                RecordState::Failed
            };
            s.bytes_written = bytes;
            s.bytes_durable = bytes;
            s.error = s.error.take().or(error.clone());
            s.notice = notice.clone();
            elapsed = s.elapsed_secs;
        });
        Finished {
            path: self.path,
            bytes,
            elapsed_secs: elapsed,
            graceful,
            error,
            notice,
            marker,
        }
    }

    /// Pumps one process's output into the file (on this thread, which holds the
    /// file) while another drains its log, until it exits.
    fn one_process(
        &self,
        started: Started,
        sink: &mut Sink,
        recorded: f64,
    ) -> (
        Result<(), String>,
        Option<std::process::ExitStatus>,
        Option<Problem>,
    ) {
        let status = self.control.status.clone();
        let log = {
            let status = status.clone();
            let events = started.events;
            // ffmpeg stalls unless its log is read continuously.
            std::thread::spawn(move || {
                let mut log_error = None;
                match events {
                    Ok(events) => {
                        for event in events {
                            observe(event, &status, &mut log_error, recorded);
                        }
                    }
                    Err(e) => {
                        log_error = Some(Problem::failed(format!(
                            "ffmpeg's log could not be read: {e}"
                        )))
                    }
                }
                log_error
            })
        };
        let dir = self.path.parent();
        let pumped = match started.stdout {
            Some(stdout) => pump(stdout, sink, &status, &self.control, dir),
            None => Err("ffmpeg's output could not be read".to_string()),
        };
        // The pump ends with ffmpeg's stdout (or on a write error, which closes it and
        // so ends ffmpeg); the log with its stderr.
        let log_error = log
            .join()
            .unwrap_or_else(|_| Some(Problem::failed("ffmpeg's log could not be read")));
        let exit = loop {
            let mut inner = self.control.lock();
            let polled = inner.child.as_mut().map(|c| c.as_inner_mut().try_wait());
            match polled {
                Some(Ok(Some(status))) => {
                    inner.child = None;
                    break Some(status);
                }
                Some(Ok(None)) => {
                    drop(inner);
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    inner.child = None;
                    break None;
                }
            }
        };
        (pumped, exit, log_error)
    }
}

/// A preview without recording: an ffmpeg process rewriting a small JPEG; killed when
/// stopped or dropped. `frames` counts ffmpeg's progress reports, so a window reloads
/// the picture when ffmpeg says it moved on, not on a timer of its own.
pub struct Preview {
    child: tokio::process::Child,
    frames: watch::Receiver<u64>,
}

impl Preview {
    pub fn start(spec: &RecordSpec, out: &Path) -> Result<Preview, RecordError> {
        let args = preview_args(Os::current(), spec, out)?;
        let mut child = tokio::process::Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-y", "-progress", "pipe:1"])
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(RecordError::Spawn)?;
        let (tx, frames) = watch::channel(0u64);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(async move {
                use tokio::io::AsyncBufReadExt;
                let mut lines = tokio::io::BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    // One block per report; its last line says whether more follow.
                    if line.starts_with("progress=") {
                        tx.send_modify(|n| *n += 1);
                    }
                }
            });
        }
        Ok(Preview { child, frames })
    }

    /// Counts up each time ffmpeg reports (about twice a second); ends with ffmpeg.
    pub fn frames(&self) -> watch::Receiver<u64> {
        self.frames.clone()
    }

    /// Stops it and waits until the devices are free again.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The supervisor thread always sends; this covers its panic without losing the file.
fn unreachable_end(path: &Path) -> Finished {
    Finished {
        path: path.to_path_buf(),
        bytes: file_len(path),
        elapsed_secs: 0.0,
        graceful: false,
        error: Some(Problem::new(ProblemKind::StoppedUnexpectedly, "")),
        notice: None,
        marker: Marker::detached(path),
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn write_failure(e: &std::io::Error, written: u64) -> String {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        format!(
            "the disk is full: recording stopped; the {} MB recorded so far are kept",
            written / 1_000_000
        )
    } else {
        format!("cannot write the recording: {e}; what was recorded so far is kept")
    }
}

/// Appends one ffmpeg process's output to the file (through [`Fragments`], which drops
/// a continuation's header), syncing it every [`SYNC_EVERY`] and then looking at the
/// disk's free space: under the reserve the recording is stopped gracefully. A write
/// error ends the pump: ffmpeg then gets a broken pipe and exits, and the bytes written
/// so far stay in the file.
fn pump(
    mut stdout: impl Read,
    sink: &mut Sink,
    status: &watch::Sender<RecordStatus>,
    control: &Control,
    dir: Option<&Path>,
) -> Result<(), String> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut last_sync = Instant::now();
    let started = Instant::now();
    let first = sink.written;
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot read ffmpeg's output: {e}")),
        };
        let Sink {
            file,
            fragments,
            written,
        } = sink;
        let fed = fragments.feed(&buf[..n], &mut |bytes| {
            file.write_all(bytes)?;
            *written += bytes.len() as u64;
            Ok(())
        });
        if let Err(e) = fed {
            let _ = file.sync_data();
            return Err(write_failure(&e, *written));
        }
        let durable = if last_sync.elapsed() >= SYNC_EVERY {
            if let Err(e) = file.sync_data() {
                return Err(write_failure(&e, *written));
            }
            last_sync = Instant::now();
            if let Some(dir) = dir {
                let rate = (*written - first) as f64 / started.elapsed().as_secs_f64().max(1.0);
                if let Some(why) = space::too_low(dir, rate) {
                    control.stop_because(why);
                }
            }
            Some(*written)
        } else {
            None
        };
        let written = *written;
        status.send_modify(|s| {
            s.bytes_written = written;
            if let Some(d) = durable {
                s.bytes_durable = d;
            }
            if s.state == RecordState::Starting {
                s.state = RecordState::Recording;
            }
        });
    }
    sink.file
        .sync_all()
        .map_err(|e| write_failure(&e, sink.written))?;
    Ok(())
}

fn observe(
    event: FfmpegEvent,
    status: &watch::Sender<RecordStatus>,
    log_error: &mut Option<Problem>,
    recorded: f64,
) {
    match event {
        FfmpegEvent::Progress(p) => status.send_modify(|s| {
            // ffmpeg counts from its own start; the file has what earlier ones wrote.
            if let Some(t) = status::parse_time(&p.time) {
                s.elapsed_secs = recorded + t;
            }
            s.fps = p.fps;
            if let Some(d) = status::parse_dropped(&p.raw_log_message) {
                s.dropped_frames = d;
            }
        }),
        FfmpegEvent::Log(level, line) => {
            if let Some(db) = status::parse_level(&line) {
                status.send_modify(|s| s.hear(db));
            } else if matches!(level, LogLevel::Error | LogLevel::Fatal)
                && let Some(problem) = crate::problem::explain(&line)
            {
                status.send_modify(|s| {
                    s.error.get_or_insert(problem.clone());
                });
                log_error.get_or_insert(problem);
            } else if matches!(level, LogLevel::Error | LogLevel::Fatal) && log_error.is_none() {
                *log_error = Some(Problem::failed(format!("ffmpeg: {}", line.trim())));
            }
        }
        FfmpegEvent::Error(e) => {
            log_error.get_or_insert(Problem::failed(format!("ffmpeg: {e}")));
        }
        _ => {}
    }
}

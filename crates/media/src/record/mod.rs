//! Recording a session: one ffmpeg process (via ffmpeg-sidecar) whose fragmented MP4
//! arrives on stdout and is appended to the file by this process, which therefore knows
//! exactly which bytes are final; its log is drained on its own thread into
//! [`RecordStatus`] updates. Stop is graceful (`q`, a bounded wait, then kill).

pub mod args;
pub mod marker;
pub mod status;

pub use args::{ArgsError, RecordSpec, ffmpeg_args, preview_args};
pub use marker::{Marker, Unfinished, dismiss, is_recording, unfinished};
pub use status::{RecordState, RecordStatus};

use crate::devices::Os;
use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// How long Stop waits for ffmpeg to finish writing before it kills it.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often appended bytes are synced to disk (and become `bytes_durable`).
const SYNC_EVERY: Duration = Duration::from_millis(500);

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
}

/// How a recording ended. The file is kept in every case.
#[derive(Debug)]
pub struct Finished {
    pub path: PathBuf,
    pub bytes: u64,
    pub elapsed_secs: f64,
    /// Stopped on request (or at the set duration) and finalized by ffmpeg.
    pub graceful: bool,
    /// What went wrong, in words (device lost, disk full, ffmpeg killed...).
    pub error: Option<String>,
    marker: Marker,
}

impl Finished {
    /// The recording is in safe hands (queued or reported): forget its recovery marker.
    pub fn hand_off(self) -> std::io::Result<PathBuf> {
        self.marker.release()?;
        Ok(self.path)
    }
}

pub struct Recording {
    path: PathBuf,
    child: Arc<Mutex<FfmpegChild>>,
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
        let args = ffmpeg_args(Os::current(), spec)?;
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
        let marker = Marker::create(out, title).map_err(create)?;
        let mut child = FfmpegCommand::new()
            .args(&args)
            .spawn()
            .map_err(RecordError::Spawn)?;
        let stdout = child.take_stdout();
        let events = child.iter();
        let (status_tx, status) = watch::channel(RecordStatus::default());
        let status_tx = Arc::new(status_tx);
        let (done_tx, done) = oneshot::channel();
        let child = Arc::new(Mutex::new(child));

        let pump = {
            let status_tx = status_tx.clone();
            std::thread::spawn(move || match stdout {
                Some(stdout) => pump(stdout, file, &status_tx),
                None => Err("ffmpeg's output could not be read".to_string()),
            })
        };
        let supervisor_child = child.clone();
        let path = out.to_path_buf();
        std::thread::spawn(move || {
            let mut log_error = None;
            match events {
                Ok(events) => {
                    for event in events {
                        observe(event, &status_tx, &mut log_error);
                    }
                }
                Err(e) => log_error = Some(format!("ffmpeg's log could not be read: {e}")),
            }
            // stderr closed: ffmpeg is exiting. The pump ends with its stdout.
            let pumped = pump
                .join()
                .unwrap_or_else(|_| Err("the writer thread panicked".into()));
            let exit = loop {
                let polled = supervisor_child
                    .lock()
                    .map(|mut c| c.as_inner_mut().try_wait());
                match polled {
                    Ok(Ok(Some(status))) => break Some(status),
                    Ok(Ok(None)) => std::thread::sleep(Duration::from_millis(20)),
                    _ => break None,
                }
            };
            let graceful = exit.is_some_and(|s| s.success()) && pumped.is_ok();
            let error = match (&pumped, graceful) {
                (Err(e), _) => Some(e.clone()),
                (Ok(_), true) => None,
                (Ok(_), false) => Some(log_error.unwrap_or_else(
                    || match exit.and_then(|s| s.code()) {
                        Some(code) => format!("ffmpeg stopped with exit code {code}"),
                        None => "ffmpeg was killed".to_string(),
                    },
                )),
            };
            let bytes = pumped.unwrap_or_else(|_| file_len(&path));
            let mut elapsed = 0.0;
            status_tx.send_modify(|s| {
                s.state = if graceful {
                    RecordState::Finished
                } else {
                    RecordState::Failed
                };
                s.bytes_written = bytes;
                s.bytes_durable = bytes;
                s.error = s.error.take().or(error.clone());
                elapsed = s.elapsed_secs;
            });
            let _ = done_tx.send(Finished {
                path,
                bytes,
                elapsed_secs: elapsed,
                graceful,
                error,
                marker,
            });
        });
        Ok(Recording {
            path: out.to_path_buf(),
            child,
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

    /// Records until ffmpeg ends by itself (set duration, lost device, full disk) or
    /// `stop` resolves; then stops gracefully: `q`, up to [`STOP_GRACE`], then kill.
    pub async fn run_until(mut self, stop: impl std::future::Future<Output = ()>) -> Finished {
        tokio::select! {
            finished = &mut self.done => return finished.unwrap_or_else(|_| unreachable_end(&self.path)),
            () = stop => {}
        }
        if let Ok(mut child) = self.child.lock() {
            // Fails only when ffmpeg already exited: then it is finishing anyway.
            let _ = child.quit();
        }
        match tokio::time::timeout(STOP_GRACE, &mut self.done).await {
            Ok(finished) => finished.unwrap_or_else(|_| unreachable_end(&self.path)),
            Err(_) => {
                if let Ok(mut child) = self.child.lock() {
                    let _ = child.kill();
                }
                self.done
                    .await
                    .unwrap_or_else(|_| unreachable_end(&self.path))
            }
        }
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
        error: Some("the recorder stopped unexpectedly".into()),
        marker: Marker::detached(path),
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Appends ffmpeg's output to the file, syncing it every [`SYNC_EVERY`]. A write error
/// (a full disk) ends the pump: ffmpeg then gets a broken pipe and exits, and the bytes
/// written so far stay in the file.
fn pump(
    mut stdout: impl Read,
    mut file: File,
    status: &watch::Sender<RecordStatus>,
) -> Result<u64, String> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut written = 0u64;
    let mut last_sync = Instant::now();
    let fail = |e: std::io::Error, written: u64| {
        if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
            format!(
                "the disk is full: recording stopped; the {} MB recorded so far are kept",
                written / 1_000_000
            )
        } else {
            format!("cannot write the recording: {e}; what was recorded so far is kept")
        }
    };
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot read ffmpeg's output: {e}")),
        };
        if let Err(e) = file.write_all(&buf[..n]) {
            let _ = file.sync_data();
            return Err(fail(e, written));
        }
        written += n as u64;
        let durable = if last_sync.elapsed() >= SYNC_EVERY {
            if let Err(e) = file.sync_data() {
                return Err(fail(e, written));
            }
            last_sync = Instant::now();
            Some(written)
        } else {
            None
        };
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
    file.sync_all().map_err(|e| fail(e, written))?;
    Ok(written)
}

fn observe(
    event: FfmpegEvent,
    status: &watch::Sender<RecordStatus>,
    log_error: &mut Option<String>,
) {
    match event {
        FfmpegEvent::Progress(p) => status.send_modify(|s| {
            if let Some(t) = status::parse_time(&p.time) {
                s.elapsed_secs = t;
            }
            s.fps = p.fps;
            if let Some(d) = status::parse_dropped(&p.raw_log_message) {
                s.dropped_frames = d;
            }
        }),
        FfmpegEvent::Log(level, line) => {
            if let Some(db) = status::parse_level(&line) {
                status.send_modify(|s| s.audio_level_db = Some(db));
            } else if matches!(level, LogLevel::Error | LogLevel::Fatal)
                && let Some(words) = status::explain(&line)
            {
                status.send_modify(|s| {
                    s.error.get_or_insert(words.clone());
                });
                log_error.get_or_insert(words);
            } else if matches!(level, LogLevel::Error | LogLevel::Fatal) && log_error.is_none() {
                *log_error = Some(format!("ffmpeg: {}", line.trim()));
            }
        }
        FfmpegEvent::Error(e) => {
            log_error.get_or_insert(format!("ffmpeg: {e}"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pump_appends_everything_and_marks_it_durable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.mp4");
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let (tx, rx) = watch::channel(RecordStatus::default());
        let n = pump(&data[..], File::create(&path).unwrap(), &tx).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert_eq!(rx.borrow().bytes_written, n);
        assert_eq!(rx.borrow().state, RecordState::Recording);
    }

    /// /dev/full answers every write with ENOSPC, like a full disk.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_stops_the_pump_with_words_saying_so() {
        let (tx, _rx) = watch::channel(RecordStatus::default());
        let full = File::options().write(true).open("/dev/full").unwrap();
        let err = pump(&vec![7u8; 300_000][..], full, &tx).unwrap_err();
        assert!(err.starts_with("the disk is full"), "{err}");
    }
}

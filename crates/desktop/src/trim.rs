//! Trimming a queued video in the app: a strip of frames to choose the cut on, then the
//! cut replaces the video in its queue (core's `trim`); the original file stays.

use crate::engine::Desktop;
use crate::error::DesktopError;
use serde::Serialize;
use std::path::PathBuf;

/// Frames in the strip the cut is chosen on.
const STRIP_FRAMES: u32 = 10;

/// What the trim panel shows of a job.
#[derive(Debug, Clone, Serialize)]
pub struct TrimView {
    pub job_id: String,
    pub name: String,
    pub duration_secs: f64,
}

impl Desktop {
    pub(crate) fn strip_path(&self, job_id: &str) -> PathBuf {
        self.thumbs_dir().join(format!("{job_id}.strip.jpg"))
    }

    /// Gets a job ready to trim: its strip of frames (served as `strip/<job>`) made
    /// once, its length.
    pub async fn trim_view(&self, job_id: &str) -> Result<TrimView, DesktopError> {
        let job = self.queue.job(job_id.to_string()).await?;
        idance_core::trim::trimmable(&job).map_err(DesktopError::Refused)?;
        let video = PathBuf::from(&job.file);
        let strip = self.strip_path(job_id);
        if !tokio::fs::try_exists(&strip).await.unwrap_or(false) {
            tokio::fs::create_dir_all(self.thumbs_dir())
                .await
                .map_err(|e| DesktopError::Refused(e.to_string()))?;
            idance_media::trim::strip(&video, STRIP_FRAMES, &strip)
                .await
                .map_err(|e| DesktopError::Refused(e.to_string()))?;
        }
        let duration_secs = match job.duration_secs {
            Some(d) => d,
            None => {
                idance_media::probe(&video)
                    .await
                    .map_err(|e| DesktopError::Refused(e.to_string()))?
                    .duration
            }
        };
        Ok(TrimView {
            job_id: job.job_id.clone(),
            name: video
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| job.file.clone()),
            duration_secs,
        })
    }

    /// Cuts the job's video to `start..end` seconds; the cut is queued in its place.
    /// Answers the new job's id.
    pub async fn trim(&self, job_id: &str, start: f64, end: f64) -> Result<String, DesktopError> {
        let intake =
            idance_core::trim::trim_job(&self.queue, job_id, start, Some(end), &self.thumbs_dir())
                .await
                .map_err(|e| DesktopError::Refused(e.to_string()))?;
        let _ = tokio::fs::remove_file(self.strip_path(job_id)).await;
        self.changed().await;
        self.wake_uploads();
        Ok(intake.video.job_id)
    }
}

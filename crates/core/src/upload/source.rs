//! The file a job names: checked unchanged before and after sending, read by part.

use super::UploadError;
use crate::queue::Job;
use std::io::{Read, Seek, SeekFrom};

/// Fails when the file vanished or its size or modification time changed since queueing.
pub fn check_unchanged(job: &Job) -> Result<(), UploadError> {
    let path = std::path::Path::new(&job.file);
    let (size, mtime) = crate::queue::file_stamp(path).map_err(|e| {
        UploadError::Source(format!(
            "{}: the file is gone or unreadable ({e})",
            job.file
        ))
    })?;
    if size != job.size || mtime != job.mtime_ns {
        return Err(UploadError::Source(format!(
            "{}: the file changed after it was queued (size {} → {size}); queue it again to upload the new version",
            job.file, job.size
        )));
    }
    Ok(())
}

/// Reads `len` bytes at `offset` on the blocking pool.
pub async fn read_chunk(file: &str, offset: u64, len: usize) -> Result<Vec<u8>, UploadError> {
    let file = file.to_string();
    tokio::task::spawn_blocking(move || {
        let mut f =
            std::fs::File::open(&file).map_err(|e| UploadError::Source(format!("{file}: {e}")))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| UploadError::Source(format!("{file}: {e}")))?;
        let mut buf = vec![0u8; len];
        f.read_exact(&mut buf)
            .map_err(|e| UploadError::Source(format!("{file}: shorter than when queued ({e})")))?;
        Ok(buf)
    })
    .await
    .map_err(|e| UploadError::Source(format!("read task failed: {e}")))?
}

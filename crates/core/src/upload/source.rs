//! The file a job names: checked unchanged before and after sending, read by part.

use super::UploadError;
use crate::queue::Job;
use std::io::{Read, Seek, SeekFrom};

/// Fails when the file vanished or its size or modification time changed since queueing.
pub fn check_unchanged(job: &Job) -> Result<(), UploadError> {
    if job.growing {
        // Still being recorded: only appended to, never rewritten.
        return Ok(());
    }
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

/// MD5 of `len` bytes at `offset`, read in small blocks on the blocking pool.
pub async fn md5_of_range(file: &str, offset: u64, len: u64) -> Result<[u8; 16], UploadError> {
    use md5::{Digest, Md5};
    let file = file.to_string();
    tokio::task::spawn_blocking(move || {
        let err = |e: std::io::Error| UploadError::Source(format!("{file}: {e}"));
        let mut f = std::fs::File::open(&file).map_err(err)?;
        f.seek(SeekFrom::Start(offset)).map_err(err)?;
        let mut hash = Md5::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut left = len;
        while left > 0 {
            let want = buf.len().min(left as usize);
            let n = f.read(&mut buf[..want]).map_err(err)?;
            if n == 0 {
                return Err(UploadError::Source(format!(
                    "{file}: shorter than when queued"
                )));
            }
            hash.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(hash.finalize().into())
    })
    .await
    .map_err(|e| UploadError::Source(format!("read task failed: {e}")))?
}

/// `len` bytes at `offset` as a request body streamed from disk (never all in memory).
pub async fn body_of_range(
    file: &str,
    offset: u64,
    len: u64,
) -> Result<reqwest::Body, UploadError> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut f = tokio::fs::File::open(file)
        .await
        .map_err(|e| UploadError::Source(format!("{file}: {e}")))?;
    f.seek(SeekFrom::Start(offset))
        .await
        .map_err(|e| UploadError::Source(format!("{file}: {e}")))?;
    let stream = tokio_util::io::ReaderStream::with_capacity(f.take(len), 256 * 1024);
    Ok(reqwest::Body::wrap_stream(stream))
}

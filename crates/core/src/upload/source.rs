//! The file a job names: checked unchanged before and after sending, read by part.

use super::UploadError;
use crate::queue::Job;
use bytes::Bytes;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

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
pub async fn digest_of_range(
    file: &str,
    offset: u64,
    len: u64,
    kind: crate::queue::PartChecksum,
) -> Result<super::checksum::Digest, UploadError> {
    let file = file.to_string();
    tokio::task::spawn_blocking(move || {
        let err = |e: std::io::Error| UploadError::Source(format!("{file}: {e}"));
        let mut f = std::fs::File::open(&file).map_err(err)?;
        f.seek(SeekFrom::Start(offset)).map_err(err)?;
        let mut hash = super::checksum::Hasher::new(kind);
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
        Ok(hash.finish())
    })
    .await
    .map_err(|e| UploadError::Source(format!("read task failed: {e}")))?
}

/// Body chunks: big enough that a part takes few reads and wakeups, small enough that
/// a body's few buffers stay warm in the CPU's cache.
const BODY_CHUNK: u64 = 256 * 1024;
/// Chunks read ahead of the socket, per body.
const CHUNKS_AHEAD: usize = 2;

/// A read buffer that goes back to its body's pool once hyper has sent it: reading
/// into warm memory instead of fresh pages saves a third of the client's copying.
struct Pooled {
    buf: Vec<u8>,
    pool: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(std::mem::take(&mut self.buf));
        }
    }
}

/// The chunks of a range, for a request body streamed from disk (never all in
/// memory): one blocking reader reads each chunk straight into the
/// buffer hyper sends, a couple of chunks ahead of the socket. A file shorter than
/// the range ends the stream with an error, so the request fails instead of hanging.
pub(crate) async fn chunks_of_range(
    file: &str,
    offset: u64,
    len: u64,
) -> Result<impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static, UploadError> {
    let path = file.to_string();
    let opened = tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::open(&path)?;
        f.seek(SeekFrom::Start(offset))?;
        Ok::<_, std::io::Error>(f)
    })
    .await
    .map_err(|e| UploadError::Source(format!("read task failed: {e}")))?
    .map_err(|e| UploadError::Source(format!("{file}: {e}")))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || {
        let mut f = opened;
        let pool = Arc::new(Mutex::new(Vec::new()));
        let mut left = len;
        while left > 0 {
            let want = BODY_CHUNK.min(left);
            let reused = pool.lock().ok().and_then(|mut p| p.pop());
            let mut buf = reused.unwrap_or_else(|| Vec::with_capacity(BODY_CHUNK as usize));
            buf.clear();
            let item = match (&mut f).take(want).read_to_end(&mut buf) {
                Ok(0) => Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    left -= n as u64;
                    let pool = pool.clone();
                    Ok(Bytes::from_owner(Pooled { buf, pool }))
                }
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            // A closed channel means the request was dropped (cancelled or failed).
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    Ok(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    async fn read_range(file: &str, offset: u64, len: u64) -> Vec<std::io::Result<Bytes>> {
        chunks_of_range(file, offset, len)
            .await
            .unwrap()
            .collect()
            .await
    }

    #[tokio::test]
    async fn a_range_streams_exactly_its_bytes_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let path = path.to_str().unwrap();
        let (offset, len) = (123_457u64, 2_000_001u64);
        let chunks = read_range(path, offset, len).await;
        let mut got = Vec::new();
        for c in chunks {
            let c = c.unwrap();
            assert!(c.len() as u64 <= BODY_CHUNK);
            got.extend_from_slice(&c);
        }
        assert_eq!(got, &data[offset as usize..(offset + len) as usize]);
    }

    #[tokio::test]
    async fn a_file_shorter_than_the_range_ends_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        std::fs::write(&path, vec![1u8; 1000]).unwrap();
        let chunks = read_range(path.to_str().unwrap(), 500, 10_000).await;
        assert_eq!(chunks.len(), 2, "the 500 bytes there, then the error");
        assert_eq!(chunks[0].as_ref().unwrap().len(), 500);
        assert_eq!(
            chunks[1].as_ref().unwrap_err().kind(),
            std::io::ErrorKind::UnexpectedEof
        );
    }

    #[tokio::test]
    async fn a_missing_file_is_a_source_error() {
        let err = chunks_of_range("/nonexistent/idance/v.mp4", 0, 10)
            .await
            .err();
        assert!(matches!(err, Some(UploadError::Source(_))), "{err:?}");
    }
}

//! One presigned PUT of a file's byte range, streamed from disk and watched: no
//! whole-request timeout cuts it, however slow the link; a transfer that stops moving
//! is dropped by the stall rule (`network::stall`) and retried on a new connection.

use super::source::chunks_of_range;
use super::{UploadError, Uploader};
use crate::network::stall::{Liveness, stalled};

/// PUTs `len` bytes of `file` at `offset` to `url` with `headers`. Storage's answer
/// (any status), or None when there was none: the connection failed or stalled.
pub(crate) async fn put(
    up: &Uploader,
    url: &str,
    headers: &[(&'static str, String)],
    file: &str,
    offset: u64,
    len: u64,
) -> Result<Option<reqwest::Response>, UploadError> {
    let network = up.api.network().clone();
    let live = Liveness::new(len);
    let open = network.uplink().open();
    let chunks = chunks_of_range(file, offset, len).await?;
    let body = reqwest::Body::wrap_stream(live.watch(paced(chunks, up.throttle.clone())));
    let mut request = up.api.storage_http().put(url).header("content-length", len);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    up.sent(len);
    let sent = tokio::select! {
        () = up.cancel.cancelled() => return Err(UploadError::Cancelled),
        why = stalled(&live, &network, url) => {
            tracing::info!(why, "transfer dropped; retrying on a new connection");
            return Ok(None);
        }
        sent = request.body(body).send() => sent,
    };
    match sent {
        Ok(resp) => {
            if resp.status().is_success() {
                open.done(len);
            }
            Ok(Some(resp))
        }
        Err(e) => {
            tracing::debug!(error = %e.without_url(), "PUT failed");
            Ok(None)
        }
    }
}

/// The bandwidth limit kept as the bytes go: each chunk waits for its turn on the limit's
/// shared timeline, so one PUT of a whole file keeps to it as every part does.
fn paced<S>(
    chunks: S,
    throttle: Option<std::sync::Arc<super::throttle::Throttle>>,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static
where
    S: futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
{
    use futures::StreamExt as _;
    chunks.then(move |chunk| {
        let throttle = throttle.clone();
        async move {
            if let (Some(t), Ok(bytes)) = (&throttle, &chunk) {
                t.acquire(bytes.len() as u64).await;
            }
            chunk
        }
    })
}

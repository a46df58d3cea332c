//! A cheap look at whether a host is reachable: one TCP handshake, no request. Waiting
//! out an outage this way costs a SYN a second and ends within about a second of the
//! network coming back, instead of at the end of a backoff of up to half a minute.

use std::time::Duration;

/// How long one handshake may take; on a link that works it takes one round trip.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// One handshake per this long while a host cannot be reached.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Whether `url`'s host completes a TCP handshake within [`PROBE_TIMEOUT`].
pub async fn reachable(url: &str) -> bool {
    reachable_within(url, PROBE_TIMEOUT).await
}

/// Whether `url`'s host completes a TCP handshake within `timeout`.
pub async fn reachable_within(url: &str, timeout: Duration) -> bool {
    let Some((host, port)) = url::Url::parse(url)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_string(), u.port_or_known_default()?)))
    else {
        return false;
    };
    // `[::1]` in a URL is `::1` to the resolver.
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let connect = async {
        let addr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()?
            .next()?;
        tokio::net::TcpStream::connect(addr).await.ok()
    };
    matches!(tokio::time::timeout(timeout, connect).await, Ok(Some(_)))
}

/// Resolves when `url`'s host answers a handshake after having not answered one; never
/// when it answers the first (the network is not the problem: the caller's backoff is).
pub async fn back_after_outage(url: &str) {
    let mut first = true;
    loop {
        let began = tokio::time::Instant::now();
        if reachable(url).await {
            if first {
                return std::future::pending().await;
            }
            tracing::info!("storage answers again; resuming now");
            return;
        }
        first = false;
        tokio::time::sleep_until(began + PROBE_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listening_port_is_reachable_and_a_closed_one_is_not() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(reachable(&format!("http://127.0.0.1:{port}/bucket/key?x=1")).await);
        drop(l);
        assert!(!reachable(&format!("http://127.0.0.1:{port}/")).await);
        assert!(!reachable("not a url").await);
    }

    #[tokio::test]
    async fn the_wait_ends_when_the_host_comes_back_and_not_while_it_is_up() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let url = format!("http://{addr}/");
        let up_all_along =
            tokio::time::timeout(Duration::from_millis(1500), back_after_outage(&url)).await;
        assert!(
            up_all_along.is_err(),
            "a host that never went away ended the wait"
        );
        drop(l);
        let waiting = tokio::spawn({
            let url = url.clone();
            async move { back_after_outage(&url).await }
        });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!waiting.is_finished(), "ended while the host was away");
        let _back = tokio::net::TcpListener::bind(addr).await.unwrap();
        let ended = tokio::time::timeout(PROBE_EVERY * 3, waiting).await;
        assert!(ended.is_ok(), "still waiting after the host came back");
    }
}

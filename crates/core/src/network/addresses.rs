//! Local address changes from the OS (netlink, the routing socket, Windows'
//! notifications, through `if-watch`): an address that comes or goes is a change.

use super::Network;
use futures::StreamExt;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The addresses a watcher reports on start are the ones already there, not changes.
const SETTLE: Duration = Duration::from_secs(1);

pub(super) async fn watch(net: Network, stop: CancellationToken) {
    let mut watcher = match if_watch::tokio::IfWatcher::new() {
        Ok(w) => w,
        Err(e) => {
            // Wake detection and the stall rule still work without it.
            tracing::warn!(error = %e, "cannot watch network addresses; changes are noticed when transfers stall");
            return;
        }
    };
    let started = tokio::time::Instant::now();
    loop {
        let event = tokio::select! {
            () = stop.cancelled() => return,
            e = watcher.next() => e,
        };
        match event {
            Some(Ok(e)) => {
                let (if_watch::IfEvent::Up(ip) | if_watch::IfEvent::Down(ip)) = e;
                if ip.addr().is_loopback() || started.elapsed() < SETTLE {
                    continue;
                }
                net.changed_now(&format!("{e:?}"));
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "network address watch");
            }
            None => return,
        }
    }
}

//! What uploads know about the network beyond one request: a change counter, bumped
//! when a local address comes or goes (Wi-Fi to a phone hotspot) or the computer wakes
//! from sleep; the stall rule a transfer is judged by; and a cheap reachability probe
//! that ends an outage's wait the moment storage answers again.
//!
//! Connections made before a change may be dead without knowing it (their address is
//! gone, or the peer forgot them while the lid was shut): after a change the API
//! client builds fresh ones, a transfer that stopped moving is dropped at once instead
//! of after [`stall::STALL_AFTER`], and waits for the network end early.

mod addresses;
pub mod probe;
pub mod stall;
pub mod uplink;
pub mod wake;

use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The network as this process sees it: a counter of changes. Cheap to clone; every
/// clone sees the same changes.
#[derive(Clone, Debug)]
pub struct Network {
    changes: Arc<watch::Sender<u64>>,
    uplink: uplink::Uplink,
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

impl Network {
    /// A network no one watches yet: it changes only when told ([`Network::changed_now`]).
    pub fn new() -> Self {
        Self {
            changes: Arc::new(watch::channel(0).0),
            uplink: uplink::Uplink::default(),
        }
    }

    /// A network watched for address changes and for wake from sleep until `stop`.
    /// Must be called inside a tokio runtime.
    pub fn watching(stop: CancellationToken) -> Self {
        let net = Self::new();
        tokio::spawn(addresses::watch(net.clone(), stop.clone()));
        tokio::spawn(wake::watch(net.clone(), wake::system_clock(), stop));
        net
    }

    /// What the uploads on this network carried so far.
    pub fn uplink(&self) -> &uplink::Uplink {
        &self.uplink
    }

    /// How many changes were seen so far.
    pub fn generation(&self) -> u64 {
        *self.changes.borrow()
    }

    /// Records a change (an address, a wake, or a test).
    pub fn changed_now(&self, why: &str) {
        tracing::info!(why, "network changed: fresh connections from now on");
        self.changes.send_modify(|g| *g += 1);
    }

    /// Resolves at the next change after `since` (at once if there was one already).
    pub async fn changed_after(&self, since: u64) {
        let mut rx = self.changes.subscribe();
        // The sender lives as long as `self`: this never fails while we wait.
        let _ = rx.wait_for(|g| *g != since).await;
    }
}

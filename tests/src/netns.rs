//! A client's own network: a namespace joined to this machine by a veth pair, its
//! uplink shaped by a token bucket (`tc tbf`), that can go silent (every packet dropped,
//! the interface still up, as when Wi-Fi stops carrying) or change its address (as when
//! a laptop moves to a phone hotspot). Needs root (the tests run as root here).
//!
//! This machine's side of the pair is `host_ip`: a server that listens there is reached
//! from inside; what the client sends is counted on it ([`Netns::bytes_up`]).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(1);

pub struct Netns {
    pub name: String,
    pub host_ip: String,
    ns_ip: String,
    host_if: String,
    ns_if: String,
    subnet: String,
}

fn run(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/install-deps installs iproute2 and iptables)",
                args[0]
            )
        });
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Netns {
    /// A namespace whose uplink carries `rate` (`tc` syntax: "20mbit"), or is unshaped.
    pub fn new(rate: Option<&str>) -> Netns {
        let k = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        // Interface names have at most 15 bytes.
        let tag = format!("{:x}{k}", pid % 0xfffff);
        let subnet = format!("10.{}.{k}", 20 + pid % 200);
        let n = Netns {
            name: format!("idance-{tag}"),
            host_ip: format!("{subnet}.1"),
            ns_ip: format!("{subnet}.2"),
            host_if: format!("ih{tag}"),
            ns_if: format!("in{tag}"),
            subnet,
        };
        run(&["ip", "netns", "add", &n.name]);
        run(&[
            "ip", "link", "add", &n.host_if, "type", "veth", "peer", "name", &n.ns_if,
        ]);
        run(&["ip", "link", "set", &n.ns_if, "netns", &n.name]);
        run(&[
            "ip",
            "addr",
            "add",
            &format!("{}/24", n.host_ip),
            "dev",
            &n.host_if,
        ]);
        run(&["ip", "link", "set", &n.host_if, "up"]);
        n.inside(&["ip", "link", "set", "lo", "up"]);
        n.inside(&[
            "ip",
            "addr",
            "add",
            &format!("{}/24", n.ns_ip),
            "dev",
            &n.ns_if,
        ]);
        n.inside(&["ip", "link", "set", &n.ns_if, "up"]);
        if let Some(rate) = rate {
            n.inside(&[
                "tc", "qdisc", "add", "dev", &n.ns_if, "root", "tbf", "rate", rate, "burst",
                "32kbit", "latency", "80ms",
            ]);
        }
        n
    }

    fn inside(&self, args: &[&str]) {
        let mut all = vec!["ip", "netns", "exec", &self.name];
        all.extend_from_slice(args);
        run(&all);
    }

    /// `program` run inside the namespace.
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// Every packet in or out dropped (`true`), or carried again (`false`).
    pub fn silent(&self, on: bool) {
        let op = if on { "-I" } else { "-D" };
        for chain in ["INPUT", "OUTPUT"] {
            self.inside(&["iptables", op, chain, "-j", "DROP"]);
        }
    }

    /// The client's address is replaced by another of the same network.
    pub fn move_address(&mut self) {
        let last: u32 = self.ns_ip.rsplit('.').next().unwrap().parse().unwrap();
        let new = format!("{}.{}", self.subnet, last + 1);
        // The old one goes first (Wi-Fi lost, then the hotspot joined).
        self.inside(&[
            "ip",
            "addr",
            "del",
            &format!("{}/24", self.ns_ip),
            "dev",
            &self.ns_if,
        ]);
        self.inside(&[
            "ip",
            "addr",
            "add",
            &format!("{new}/24"),
            "dev",
            &self.ns_if,
        ]);
        self.ns_ip = new;
    }

    /// Bytes the namespace sent out so far (the uplink's counter).
    pub fn bytes_up(&self) -> u64 {
        std::fs::read_to_string(format!(
            "/sys/class/net/{}/statistics/rx_bytes",
            self.host_if
        ))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // The pair goes with the namespace.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

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
    /// This machine's drop rules are in place (removed on drop whatever happens).
    silenced: std::sync::atomic::AtomicBool,
    /// Client ports whose connections were made dead ([`Netns::forget_connections`]).
    forgotten: std::sync::Mutex<Vec<String>>,
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
            silenced: Default::default(),
            forgotten: Default::default(),
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
        c.args(self.prefix()).arg(program);
        c
    }

    /// What runs a program inside: `ip` with these arguments, then the program's.
    pub fn prefix(&self) -> [&str; 3] {
        ["netns", "exec", &self.name]
    }

    /// Every packet in or out dropped (`true`), or carried again (`false`). Each side's
    /// packets are dropped on arrival at the other, as a Wi-Fi that stops carrying drops
    /// them: both TCPs see loss and back off as they would for real (a drop on the
    /// sender's own side fails the send at once, and TCP then retries every half second).
    pub fn silent(&self, on: bool) {
        let op = if on { "-I" } else { "-D" };
        run(&["iptables", op, "INPUT", "-i", &self.host_if, "-j", "DROP"]);
        self.inside(&["iptables", op, "INPUT", "-j", "DROP"]);
        self.silenced.store(on, Ordering::Relaxed);
    }

    /// Every TCP connection the client has open now is dead from here on: its packets
    /// are lost, no reset ever comes (as when a router forgets them across a Wi-Fi
    /// drop). New connections work.
    pub fn forget_connections(&self) {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.name,
                "ss",
                "-Htn",
                "state",
                "established",
            ])
            .output()
            .expect("ss (iproute2)");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut forgotten = self.forgotten.lock().unwrap();
        for line in text.lines() {
            // Recv-Q Send-Q Local:Port Peer:Port
            let Some(local) = line.split_whitespace().nth(2) else {
                continue;
            };
            let Some((_, port)) = local.rsplit_once(':') else {
                continue;
            };
            // Both ways: the server's answers (a close after its own timeout) are lost too.
            assert!(self.forget_rules("-I", port), "iptables refused a rule");
            forgotten.push(port.to_string());
        }
    }

    /// Adds (`-I`) or removes (`-D`) the rules that lose the packets of the client's
    /// connection from `port`, both ways; whether both applied.
    fn forget_rules(&self, op: &str, port: &str) -> bool {
        let rule = |dir: &'static str| [op, "INPUT", "-p", "tcp", dir, port, "-j", "DROP"];
        let host = Command::new("iptables")
            .args(["-i", &self.host_if])
            .args(rule("--sport"))
            .status();
        let inside = Command::new("ip")
            .args(self.prefix())
            .arg("iptables")
            .args(rule("--dport"))
            .status();
        host.is_ok_and(|s| s.success()) && inside.is_ok_and(|s| s.success())
    }

    /// The client's address is replaced by another of the same network (and back on
    /// the next call).
    pub fn move_address(&mut self) {
        let last: u32 = self.ns_ip.rsplit('.').next().unwrap().parse().unwrap();
        let new = format!("{}.{}", self.subnet, if last == 2 { 3 } else { 2 });
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
        if self.silenced.load(Ordering::Relaxed) {
            let _ = Command::new("iptables")
                .args(["-D", "INPUT", "-i", &self.host_if, "-j", "DROP"])
                .status();
        }
        for port in self.forgotten.lock().map(|f| f.clone()).unwrap_or_default() {
            self.forget_rules("-D", &port);
        }
        // The pair goes with the namespace.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

//! A TCP proxy on 127.0.0.1 that misbehaves on purpose: it refuses connections for a
//! while, resets connections after some bytes, and stalls. Tests put it between the
//! client and the API or storage.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Default)]
pub struct Faults {
    /// Connections are dropped on arrival until then.
    pub refuse_until: Option<Instant>,
    /// The next this many connections to send more than `reset_after` bytes upstream
    /// are cut there.
    pub resets: u32,
    pub reset_after: u64,
    /// The next this many connections wait `stall` before forwarding anything.
    pub stalls: u32,
    pub stall: Duration,
    /// Connections cut so far (for assertions).
    pub resets_done: u32,
    /// Upstream bytes per second of each connection (a slow uplink); None: as fast as
    /// loopback goes.
    pub pace: Option<u64>,
    /// Bytes relayed upstream so far (what the client put on the wire through here).
    pub bytes_up: u64,
    /// Storage is down: new connections are dropped and open ones cut at their next
    /// request (a kept-alive connection would otherwise go on working).
    pub down: bool,
    /// The next this many connections to send more than `reset_after` bytes upstream
    /// send all of it, and lose the answer: cut as it comes back (the reset that hit
    /// the answer, not the body).
    pub lost_answers: u32,
    /// Answers lost so far (for assertions).
    pub lost_answers_done: u32,
}

impl Faults {
    /// No faults from now on (the counters stay).
    pub fn calm(&mut self) {
        self.refuse_until = None;
        self.resets = 0;
        self.stalls = 0;
        self.pace = None;
        self.down = false;
        self.lost_answers = 0;
    }
}

pub struct FaultProxy {
    pub url: String,
    pub faults: Arc<Mutex<Faults>>,
}

impl FaultProxy {
    pub async fn start(upstream: std::net::SocketAddr) -> Self {
        Self::start_on("127.0.0.1", upstream).await
    }

    /// A proxy listening on `host` (e.g. a namespace link's far side).
    pub async fn start_on(host: &str, upstream: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind((host, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let shared = faults.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (refuse, stall) = {
                    let mut f = shared.lock().unwrap();
                    let refuse = f.down || f.refuse_until.is_some_and(|t| Instant::now() < t);
                    let stall = (!refuse && f.stalls > 0).then(|| {
                        f.stalls -= 1;
                        f.stall
                    });
                    (refuse, stall)
                };
                if refuse {
                    drop(client);
                    continue;
                }
                tokio::spawn(relay(client, upstream, shared.clone(), stall));
            }
        });
        Self { url, faults }
    }

    pub fn set(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.faults.lock().unwrap());
    }
}

async fn relay(
    client: TcpStream,
    upstream: std::net::SocketAddr,
    faults: Arc<Mutex<Faults>>,
    stall: Option<Duration>,
) {
    if let Some(d) = stall {
        tokio::time::sleep(d).await;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let lose_answer = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lose = lose_answer.clone();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        let mut cut_checked = false;
        let (reset_after, pace) = {
            let f = faults.lock().unwrap();
            (f.reset_after, f.pace)
        };
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if faults.lock().unwrap().down {
                return;
            }
            if !cut_checked && sent + n as u64 > reset_after {
                // The first connections to pass the limit are cut mid-request.
                cut_checked = true;
                let mut f = faults.lock().unwrap();
                if f.resets > 0 {
                    f.resets -= 1;
                    f.resets_done += 1;
                    return;
                }
                if f.lost_answers > 0 {
                    f.lost_answers -= 1;
                    f.lost_answers_done += 1;
                    lose.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
            sent += n as u64;
            faults.lock().unwrap().bytes_up += n as u64;
            if let Some(rate) = pace {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate.max(1) as f64)).await;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if lose_answer.load(std::sync::atomic::Ordering::SeqCst)
                || cw.write_all(&buf[..n]).await.is_err()
            {
                return;
            }
        }
    };
    // Whichever side ends first ends the connection (both halves dropped).
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

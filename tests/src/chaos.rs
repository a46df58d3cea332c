//! A randomized fault campaign over the real programs: `idance serve` over Garage, and
//! the `idance` client (`upload --queue-only`, `sync`, `pause`, `resume`), with
//! fault-injecting proxies in front of the API and of storage. At random instants it
//! kills -9 the client, the server or Garage, resets connections at random byte offsets,
//! stalls them, silences the client's network for up to 20 s (every packet dropped, no
//! reset: the client runs in a network namespace of its own) or changes its address,
//! and pauses and resumes jobs from another process. Every round ends with
//! faults off and a sync that must finish. Then every file ever queued is checked:
//! exactly one job, completed, the stored object byte-identical under one key, the
//! local file untouched; and no job may ever have shown `failed` (every fault here is a
//! network or process fault, which must only ever make a job wait).
//!
//! Run by `scripts/chaos [ROUNDS] [SEED]` and, a few rounds, by the test suite.

use crate::fault_proxy::FaultProxy;
use crate::netns::Netns;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Where the campaign's Garage runs (started by `scripts/garage-start DIR`).
pub struct GarageDir(pub PathBuf);

pub struct Config {
    pub rounds: u32,
    pub seed: u64,
    /// Largest file, MiB (sizes are drawn from 1..=this).
    pub max_mib: u32,
    pub garage: GarageDir,
    /// The `idance` binary.
    pub bin: PathBuf,
}

#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub rounds: u32,
    pub files: u64,
    pub bytes: u64,
    /// Bytes the client sent to storage (through the storage proxy).
    pub bytes_to_storage: u64,
    pub faults: BTreeMap<&'static str, u32>,
    pub failures: Vec<String>,
    pub elapsed: Duration,
}

impl Report {
    pub fn print(&self) {
        println!(
            "chaos: seed {} ({} rounds, {:.0} s)",
            self.seed,
            self.rounds,
            self.elapsed.as_secs_f64()
        );
        println!("  faults injected:");
        for (k, n) in &self.faults {
            println!("    {k:<16} {n}");
        }
        println!(
            "  files {}  data {:.3} GiB  re-sent {:.1} %",
            self.files,
            self.bytes as f64 / (1u64 << 30) as f64,
            self.resend_percent()
        );
        println!("  failures {}", self.failures.len());
        for f in &self.failures {
            println!("    {f}");
        }
    }

    /// What went to storage beyond the files' bytes, in % of them.
    pub fn resend_percent(&self) -> f64 {
        if self.bytes == 0 {
            return 0.0;
        }
        (self.bytes_to_storage as f64 / self.bytes as f64 - 1.0).max(0.0) * 100.0
    }
}

const USER: &str = "chaos";
const SECRET: &str = "chaos-campaign-jwt-secret-0123456789";

/// The settings `scripts/garage-start` wrote.
fn garage_env(dir: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join("env"))
        .expect("garage env (run scripts/garage-start DIR)");
    text.lines()
        .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct World {
    cfg_bin: PathBuf,
    garage_dir: PathBuf,
    env: HashMap<String, String>,
    server_dir: PathBuf,
    client_dir: PathBuf,
    server_port: u16,
    api: FaultProxy,
    storage: FaultProxy,
    server: Option<Child>,
    garage: Option<Child>,
    /// The client's network (it reaches the proxies on the link's far side).
    link: Netns,
}

impl World {
    /// `idance` on this machine (commands that need no network: queue, pause, resume).
    fn idance(&self, data: &Path) -> Command {
        self.command(Command::new(&self.cfg_bin), data)
    }

    fn command(&self, mut c: Command, data: &Path) -> Command {
        c.arg("--data-dir").arg(data);
        c.env("IDANCE_NO_KEYCHAIN", "1").env("IDANCE_LOG", "error");
        for v in [
            "IDANCE_TOKEN",
            "IDANCE_SERVER",
            "DATABASE_URL",
            "S3_BUCKET_NAME",
        ] {
            c.env_remove(v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// `idance` inside the client's network, against the service.
    fn client(&self, token: &str) -> Command {
        let mut inside = Command::new("ip");
        inside.args(self.link.prefix()).arg(&self.cfg_bin);
        let mut c = self.command(inside, &self.client_dir);
        c.args(["--server", &self.api.url, "--token", token]);
        c
    }

    async fn start_server(&mut self) {
        let mut c = self.idance(&self.server_dir);
        c.env("S3_BUCKET_NAME", &self.env["IDANCE_TEST_S3_BUCKET"])
            .env("S3_ENDPOINT_URL", &self.storage.url)
            .env("AWS_REGION", &self.env["IDANCE_TEST_S3_REGION"])
            .env("AWS_ACCESS_KEY_ID", &self.env["IDANCE_TEST_S3_ACCESS_KEY"])
            .env(
                "AWS_SECRET_ACCESS_KEY",
                &self.env["IDANCE_TEST_S3_SECRET_KEY"],
            )
            .env("JWT_SECRET", SECRET)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.server_port),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        self.server = Some(c.spawn().expect("idance serve"));
        wait_port(self.server_port).await;
    }

    async fn start_garage(&mut self) {
        let env = &self.env;
        let mut c = Command::new("garage");
        c.arg("-c")
            .arg(self.garage_dir.join("garage.toml"))
            .args(["server", "--single-node", "--default-bucket"])
            .env(
                "GARAGE_DEFAULT_ACCESS_KEY",
                &env["IDANCE_TEST_S3_ACCESS_KEY"],
            )
            .env(
                "GARAGE_DEFAULT_SECRET_KEY",
                &env["IDANCE_TEST_S3_SECRET_KEY"],
            )
            .env("GARAGE_DEFAULT_BUCKET", &env["IDANCE_TEST_S3_BUCKET"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        self.garage = Some(c.spawn().expect("garage"));
        let port: u16 = env["IDANCE_TEST_S3_ENDPOINT"]
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("garage port");
        wait_port(port).await;
    }
}

async fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn kill(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.start_kill();
        let _ = c.wait().await;
    }
}

fn md5_file(path: &Path) -> String {
    crate::md5_hex(&std::fs::read(path).expect("read a local file"))
}

/// The jobs `idance queue --json` lists: (job_id, state, file, file_key, session_id).
async fn queue(w: &World) -> Vec<serde_json::Value> {
    let out = w
        .idance(&w.client_dir)
        .args(["queue", "--json"])
        .output()
        .await
        .expect("idance queue");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Runs the campaign; a garage started with `scripts/garage-start` must be running in
/// `cfg.garage` (it is killed and restarted from the same folder).
pub async fn run(cfg: Config) -> Report {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let work = tempfile::tempdir().expect("temp dir");
    let env = garage_env(&cfg.garage.0);
    let garage_addr: std::net::SocketAddr = env["IDANCE_TEST_S3_ENDPOINT"]
        .trim_start_matches("http://")
        .parse()
        .expect("garage address");
    let link = Netns::new(None);
    let storage = FaultProxy::start_on(&link.host_ip, garage_addr).await;
    let server_port = crate::desktop::free_port();
    let api = FaultProxy::start_on(&link.host_ip, ([127, 0, 0, 1], server_port).into()).await;
    let mut w = World {
        cfg_bin: cfg.bin.clone(),
        garage_dir: cfg.garage.0.clone(),
        env,
        server_dir: work.path().join("server"),
        client_dir: work.path().join("client"),
        server_port,
        api,
        storage,
        server: None,
        garage: None,
        link,
    };
    // The campaign owns Garage from here on: the one scripts/garage-start started is
    // stopped and restarted by us (same folder, same keys and bucket).
    if let Ok(pid) = std::fs::read_to_string(cfg.garage.0.join("garage.pid")) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    w.start_garage().await;
    w.start_server().await;
    let token = {
        let out = w
            .idance(&w.server_dir)
            .env("JWT_SECRET", SECRET)
            .args(["token", "--user", USER, "--ttl", "30d"])
            .output()
            .await
            .expect("idance token");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let mut report = Report {
        seed: cfg.seed,
        rounds: cfg.rounds,
        ..Report::default()
    };
    let files_dir = work.path().join("files");
    std::fs::create_dir_all(&files_dir).expect("files dir");
    // file path → its MD5 when queued
    let mut originals: HashMap<String, String> = HashMap::new();
    let mut failed_seen: HashSet<String> = HashSet::new();
    let mut shown_failures = 0;
    // Files checked whole at the end of their round and deleted.
    let mut retired: HashSet<String> = HashSet::new();
    let s3 = crate::s3_at(
        &w.env["IDANCE_TEST_S3_ENDPOINT"],
        &w.env["IDANCE_TEST_S3_REGION"],
        &w.env["IDANCE_TEST_S3_ACCESS_KEY"],
        &w.env["IDANCE_TEST_S3_SECRET_KEY"],
    );

    for round in 0..cfg.rounds {
        let mut round_jobs = Vec::new();
        let mut round_files = Vec::new();
        for i in 0..rng.random_range(1..=3u32) {
            let mib = rng.random_range(1..=cfg.max_mib);
            let f = crate::make_video(&files_dir, &format!("r{round}_{i}.mp4"), mib);
            originals.insert(f.display().to_string(), md5_file(&f));
            round_files.push(f.display().to_string());
            report.files += 1;
            report.bytes += std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
            let out = w
                .client(&token)
                .args(["upload", "--session", "new", "--queue-only", "--json"])
                .arg(&f)
                .output()
                .await
                .expect("idance upload");
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    round_jobs.push(v["job_id"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        let spawn_sync = |w: &World| {
            let mut c = w.client(&token);
            c.args(["sync", "--timeout", "600s", "--json"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true);
            c.spawn().expect("idance sync")
        };
        let mut sync = Some(spawn_sync(&w));
        for _ in 0..rng.random_range(2..=5u32) {
            tokio::time::sleep(Duration::from_millis(rng.random_range(100..2500))).await;
            let kind = match rng.random_range(0..10u32) {
                0 => "kill -9 client",
                1 => "kill -9 server",
                2 => "kill -9 garage",
                3 => "reset api",
                4 | 5 => "reset storage",
                6 => "stall",
                7 => "blackout",
                8 => "address change",
                _ => "pause/resume",
            };
            *report.faults.entry(kind).or_default() += 1;
            match kind {
                "kill -9 client" => {
                    kill(&mut sync).await;
                    sync = Some(spawn_sync(&w));
                }
                "kill -9 server" => {
                    kill(&mut w.server).await;
                    tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
                    w.start_server().await;
                }
                "kill -9 garage" => {
                    kill(&mut w.garage).await;
                    tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
                    w.start_garage().await;
                }
                "reset api" => {
                    let (n, at) = (rng.random_range(1..=3), rng.random_range(0..4096));
                    w.api.set(|f| {
                        f.resets = n;
                        f.reset_after = at;
                    })
                }
                "reset storage" => {
                    let (n, at) = (rng.random_range(1..=3), rng.random_range(0..9 << 20));
                    w.storage.set(|f| {
                        f.resets = n;
                        f.reset_after = at;
                    })
                }
                "blackout" => {
                    // Mostly short; some longer than the client's stall rule (15 s).
                    let secs = if rng.random_bool(0.25) {
                        rng.random_range(16..=20)
                    } else {
                        rng.random_range(1..=5)
                    };
                    w.link.silent(true);
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    w.link.silent(false);
                }
                "address change" => w.link.move_address(),
                "stall" => {
                    let d = Duration::from_millis(rng.random_range(300..3000));
                    let proxy = if rng.random_bool(0.5) {
                        &w.api
                    } else {
                        &w.storage
                    };
                    proxy.set(|f| {
                        f.stalls = 2;
                        f.stall = d;
                    })
                }
                _ => {
                    if let Some(job) = round_jobs.get(rng.random_range(0..round_jobs.len().max(1)))
                    {
                        let _ = w.idance(&w.client_dir).args(["pause", job]).output().await;
                        tokio::time::sleep(Duration::from_millis(rng.random_range(0..1000))).await;
                        let _ = w.idance(&w.client_dir).args(["resume", job]).output().await;
                    }
                }
            }
            for j in queue(&w).await {
                if j["state"] == "failed" {
                    failed_seen.insert(format!(
                        "round {round}: job {} showed failed: {}",
                        j["job_id"], j["error"]
                    ));
                }
            }
        }
        // Faults off; everything up; one sync must finish the round.
        w.api.set(|f| f.calm());
        w.storage.set(|f| f.calm());
        kill(&mut sync).await;
        let _ = w
            .idance(&w.client_dir)
            .args(["resume", "all"])
            .output()
            .await;
        let out = w
            .client(&token)
            .args(["sync", "--timeout", "300s", "--json"])
            .output()
            .await
            .expect("idance sync");
        if !out.status.success() {
            report.failures.push(format!(
                "round {round}: the last sync did not finish: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let jobs_now = queue(&w).await;
        for j in &jobs_now {
            if j["state"] == "failed" {
                failed_seen.insert(format!(
                    "round {round}: job {} failed: {}",
                    j["job_id"], j["error"]
                ));
            }
        }
        // This round's files, checked whole and then retired (local file and stored
        // object deleted) so a long campaign fits on the disk.
        let by_file = jobs_by_file(&jobs_now);
        for file in &round_files {
            let found = by_file.get(file).map(Vec::as_slice).unwrap_or_default();
            let [job] = found else { continue };
            if job["state"] != "completed" {
                continue;
            }
            let problems = check_file(&w, &s3, &token, file, &originals[file], job).await;
            if problems.is_empty() {
                let _ = std::fs::remove_file(file);
                let _ = s3
                    .delete_object()
                    .bucket(&w.env["IDANCE_TEST_S3_BUCKET"])
                    .key(job["file_key"].as_str().unwrap_or_default())
                    .send()
                    .await;
                retired.insert(file.clone());
            }
            report.failures.extend(problems);
        }
        // Each failure as it is found (the report at the end lists them again): a long
        // campaign shows its first one without waiting hours.
        for f in report.failures.iter().skip(shown_failures).chain(
            failed_seen
                .iter()
                .filter(|f| f.starts_with(&format!("round {round}:"))),
        ) {
            eprintln!("  FAILURE {f}");
        }
        shown_failures = report.failures.len();
        eprintln!(
            "round {}/{}: {} files so far, {} faults, {} failures, {:.0} s",
            round + 1,
            cfg.rounds,
            report.files,
            report.faults.values().sum::<u32>(),
            report.failures.len() + failed_seen.len(),
            started.elapsed().as_secs_f64()
        );
    }

    // Every file ever queued: one job, completed; the files not retired yet (their round
    // failed) are checked whole now.
    let jobs = queue(&w).await;
    let by_file = jobs_by_file(&jobs);
    for file in originals.keys() {
        let found = by_file.get(file).map(Vec::as_slice).unwrap_or_default();
        match found {
            [job] if job["state"] == "completed" => {
                if !retired.contains(file) {
                    report
                        .failures
                        .extend(check_file(&w, &s3, &token, file, &originals[file], job).await);
                }
            }
            [job] => report
                .failures
                .push(format!("{file}: {} ({})", job["state"], job["error"])),
            _ => report
                .failures
                .push(format!("{file}: {} jobs", found.len())),
        }
    }
    report.failures.extend(failed_seen);
    report.bytes_to_storage = w.storage.faults.lock().map(|f| f.bytes_up).unwrap_or(0);
    kill(&mut w.server).await;
    kill(&mut w.garage).await;
    report.elapsed = started.elapsed();
    report
}

fn jobs_by_file(jobs: &[serde_json::Value]) -> HashMap<String, Vec<&serde_json::Value>> {
    let mut by_file: HashMap<String, Vec<&serde_json::Value>> = HashMap::new();
    for j in jobs {
        by_file
            .entry(j["file"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(j);
    }
    by_file
}

/// A completed file's job: the local file untouched, the stored object identical and
/// alone under its session (never sent twice under a second key).
async fn check_file(
    w: &World,
    s3: &aws_sdk_s3::Client,
    token: &str,
    file: &str,
    md5: &str,
    job: &serde_json::Value,
) -> Vec<String> {
    let mut failures = Vec::new();
    if md5_file(Path::new(file)) != md5 {
        failures.push(format!("{file}: the local file changed"));
    }
    let key = job["file_key"].as_str().unwrap_or_default();
    let stored =
        crate::download_stored(&format!("http://127.0.0.1:{}", w.server_port), token, key).await;
    if crate::md5_hex(&stored) != md5 {
        failures.push(format!("{file}: the stored object differs"));
    }
    let session = job["session_id"].as_str().unwrap_or_default();
    let prefix = format!("sessions/{USER}/{session}/");
    let listed = s3
        .list_objects_v2()
        .bucket(&w.env["IDANCE_TEST_S3_BUCKET"])
        .prefix(&prefix)
        .send()
        .await
        .map(|o| o.contents().len())
        .unwrap_or(0);
    if listed != 1 {
        failures.push(format!(
            "{file}: {listed} objects under {prefix} (sent twice?)"
        ));
    }
    failures
}

//! Replica mode for tests: `idance serve` processes on one Postgres database and one
//! bucket behind nginx (`scripts/lb-start`), each one a process a test may kill -9.

use crate::desktop::workspace_bin;
use idance_server::auth::Jwt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// S3 settings a replica gets.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

fn var(name: &str, what: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: these tests need {what}; run scripts/test (it starts Postgres, Garage, a Garage cluster and installs nginx)")
    })
}

impl Bucket {
    /// The single Garage of the test run.
    pub fn garage() -> Self {
        Self::from_env("IDANCE_TEST_S3_", "Garage")
    }

    /// The 3-node Garage cluster (replication factor 3) of the test run.
    pub fn cluster() -> Self {
        Self::from_env("IDANCE_TEST_CLUSTER_S3_", "a Garage cluster")
    }

    fn from_env(prefix: &str, what: &str) -> Self {
        let v = |n: &str| var(&format!("{prefix}{n}"), what);
        Self {
            endpoint: v("ENDPOINT"),
            bucket: v("BUCKET"),
            region: v("REGION"),
            access_key: v("ACCESS_KEY"),
            secret_key: v("SECRET_KEY"),
        }
    }
}

/// A new, empty database on the test run's Postgres.
pub async fn fresh_database() -> String {
    let admin = var("IDANCE_TEST_DATABASE_URL", "Postgres");
    let name = format!("t_{}", uuid_simple());
    let out = Command::new("psql")
        .args([&admin, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "create database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (base, _) = admin.rsplit_once('/').expect("the URL names a database");
    format!("{base}/{name}")
}

fn uuid_simple() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// One `idance serve` process.
pub struct Replica {
    /// `127.0.0.1:PORT`
    pub addr: String,
    child: Child,
}

impl Replica {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// kill -9: no graceful shutdown, requests in flight are cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Replicas on one database and bucket, and nginx round-robin in front of them.
pub struct Replicas {
    pub replicas: Vec<Replica>,
    /// The load balancer's address: what clients use.
    pub lb_url: String,
    pub database_url: String,
    jwt: Jwt,
    lb_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Replicas {
    pub async fn start(n: usize, bucket: &Bucket) -> Self {
        let database_url = fresh_database().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = uuid_simple();
        let bin = workspace_bin("idance-cli", "idance");
        let replicas: Vec<Replica> = (0..n)
            .map(|i| {
                spawn(
                    &bin,
                    &dir.path().join(format!("r{i}")),
                    &database_url,
                    bucket,
                    &secret,
                )
            })
            .collect();
        let lb_dir = dir.path().join("lb");
        let out = Command::new(scripts().join("lb-start"))
            .arg(&lb_dir)
            .args(replicas.iter().map(|r| r.addr.clone()))
            .output()
            .expect("scripts/lb-start runs");
        assert!(
            out.status.success(),
            "lb-start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(lb_dir.join("env")).expect("lb env");
        let lb_url = env
            .trim()
            .strip_prefix("export IDANCE_TEST_LB_URL=")
            .expect("lb env names its URL")
            .to_string();
        Self {
            replicas,
            lb_url,
            database_url,
            jwt: Jwt::new(secret.as_bytes()),
            lb_dir,
            _dir: dir,
        }
    }

    pub fn token(&self, user: &str) -> String {
        self.jwt
            .issue(user, Duration::from_secs(3600))
            .expect("token")
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        let _ = Command::new(scripts().join("lb-stop"))
            .arg(&self.lb_dir)
            .status();
    }
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .join("scripts")
}

/// Starts `idance serve` in replica mode and waits for its "listening on" line.
fn spawn(bin: &Path, data: &Path, database_url: &str, b: &Bucket, secret: &str) -> Replica {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("S3_BUCKET_NAME", &b.bucket)
        .env("S3_ENDPOINT_URL", &b.endpoint)
        .env("AWS_REGION", &b.region)
        .env("AWS_ACCESS_KEY_ID", &b.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &b.secret_key)
        .env("JWT_SECRET", secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("idance serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("idance serve said {line:?}"))
        .to_string();
    Replica { addr, child }
}

/// Restarts the test run's Postgres (`pg_ctl restart -m fast`): connections drop.
pub fn restart_postgres() {
    let bin = var("IDANCE_TEST_PG_BIN", "Postgres");
    let data = var("IDANCE_TEST_PG_DATA", "Postgres");
    let pg_ctl = format!("{bin}/pg_ctl");
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &pg_ctl]);
        c
    } else {
        Command::new(&pg_ctl)
    };
    let status = cmd
        .args(["-D", &data, "-m", "fast", "-w", "restart"])
        .stdout(Stdio::null())
        .status()
        .expect("pg_ctl runs");
    assert!(status.success(), "pg_ctl restart failed");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The cluster's node `n` (1-based): its config and pid file.
pub struct GarageNode {
    config: PathBuf,
    pid_file: PathBuf,
}

impl GarageNode {
    pub fn of_cluster(n: usize) -> Self {
        let dir = PathBuf::from(var("IDANCE_TEST_CLUSTER_DIR", "a Garage cluster"));
        let node = dir.join(format!("node{n}"));
        Self {
            config: node.join("garage.toml"),
            pid_file: node.join("garage.pid"),
        }
    }

    pub fn kill(&self) {
        let pid = std::fs::read_to_string(&self.pid_file).expect("garage pid");
        let status = Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill garage node");
    }

    /// Starts the node again on its data (and records its pid for garage-cluster-stop).
    pub fn restart(&self) {
        let log = std::fs::File::create(self.config.with_file_name("garage-restarted.log"))
            .expect("log file");
        let child = Command::new("garage")
            .arg("-c")
            .arg(&self.config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("garage starts");
        std::fs::write(&self.pid_file, child.id().to_string()).expect("pid file");
        std::mem::forget(child);
    }
}

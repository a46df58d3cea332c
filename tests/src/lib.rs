//! Test harness: starts the upload service in-process on 127.0.0.1 over a real S3 store
//! (the embedded one, or the Garage started by `scripts/garage-start`) and talks to it
//! over HTTP like any client.

pub mod chaos;
pub mod desktop;
pub mod fault_proxy;
pub mod netns;
pub mod part_a;
pub mod replicas;
pub mod webdriver;
pub mod wine;

use aws_sdk_s3::config::{Credentials, Region};
use idance_server::{Config, ServerHandle};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Which S3 store the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Local,
    Garage,
}

pub const BACKENDS: [Backend; 2] = [Backend::Local, Backend::Garage];

struct Garage {
    endpoint: String,
    bucket: String,
    region: String,
    access_key: String,
    secret_key: String,
}

/// The Garage S3 address of this test run.
pub fn garage_addr() -> std::net::SocketAddr {
    let endpoint = garage().endpoint;
    endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("IDANCE_TEST_S3_ENDPOINT is http://HOST:PORT")
}

fn garage() -> Garage {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: these tests need Garage; run scripts/test, or scripts/garage-start DIR and source DIR/env")
        })
    };
    Garage {
        endpoint: var("IDANCE_TEST_S3_ENDPOINT"),
        bucket: var("IDANCE_TEST_S3_BUCKET"),
        region: var("IDANCE_TEST_S3_REGION"),
        access_key: var("IDANCE_TEST_S3_ACCESS_KEY"),
        secret_key: var("IDANCE_TEST_S3_SECRET_KEY"),
    }
}

/// Server options a test may change.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub presign_expires_secs: Option<u64>,
    pub max_upload_mb: Option<u64>,
    pub cors_origins: Option<String>,
    /// Garage only: the S3 endpoint the server uses and signs for (e.g. a fault proxy).
    pub storage_endpoint: Option<String>,
    pub metrics_token: Option<String>,
    /// `DATABASE_URL` (two servers on one database act as replicas).
    pub database_url: Option<String>,
    /// `JWT_SECRET` (replicas share it).
    pub jwt_secret: Option<String>,
    /// Garage only: another bucket of the run (`IDANCE_TEST_S3_SPARE_BUCKET`).
    pub spare_bucket: bool,
    /// `ACCESS_TOKEN_SECONDS` of sign-ins.
    pub access_token_secs: Option<u64>,
    /// Garage only: `S3_PART_CHECKSUM` (`md5` switches CRC32C off).
    pub part_checksum: Option<&'static str>,
}

pub struct TestServer {
    pub backend: Backend,
    pub handle: ServerHandle,
    pub http: reqwest::Client,
    s3: aws_sdk_s3::Client,
    bucket: String,
    database: idance_server::config::DatabaseConfig,
    /// The settings it started with, for [`TestServer::admin`].
    config: Config,
    _dir: tempfile::TempDir,
}

/// An HTTP answer: status and parsed JSON (Null when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
}

impl Answer {
    pub fn str(&self, field: &str) -> String {
        self.json[field]
            .as_str()
            .unwrap_or_else(|| panic!("no string '{field}' in {}", self.json))
            .to_string()
    }

    /// Asserts an error answer of the contract: this status, `{"detail", "code"}`.
    pub fn assert_error(&self, status: u16, what: &str) {
        assert_eq!(self.status.as_u16(), status, "{what}: {}", self.json);
        assert!(
            self.json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}: no detail in {}",
            self.json
        );
        assert!(
            self.json["code"].is_string(),
            "{what}: no code in {}",
            self.json
        );
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, Options::default()).await
    }

    pub async fn start_with(backend: Backend, opts: Options) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut vars = HashMap::new();
        let garage = (backend == Backend::Garage).then(garage);
        let garage = garage.map(|mut g| {
            if opts.spare_bucket {
                g.bucket = std::env::var("IDANCE_TEST_S3_SPARE_BUCKET")
                    .expect("IDANCE_TEST_S3_SPARE_BUCKET is set by scripts/garage-start");
            }
            g
        });
        if let Some(g) = &garage {
            vars.insert("S3_BUCKET_NAME".to_string(), g.bucket.clone());
            let endpoint = opts
                .storage_endpoint
                .clone()
                .unwrap_or_else(|| g.endpoint.clone());
            vars.insert("S3_ENDPOINT_URL".to_string(), endpoint);
            vars.insert("AWS_REGION".to_string(), g.region.clone());
            vars.insert("AWS_ACCESS_KEY_ID".to_string(), g.access_key.clone());
            vars.insert("AWS_SECRET_ACCESS_KEY".to_string(), g.secret_key.clone());
        }
        if let Some(s) = opts.presign_expires_secs {
            vars.insert("PRESIGN_EXPIRES_SECONDS".to_string(), s.to_string());
        }
        if let Some(mb) = opts.max_upload_mb {
            vars.insert("MAX_UPLOAD_MB".to_string(), mb.to_string());
        }
        if let Some(u) = opts.database_url {
            vars.insert("DATABASE_URL".to_string(), u);
        }
        if let Some(j) = opts.jwt_secret {
            vars.insert("JWT_SECRET".to_string(), j);
        }
        if let Some(t) = opts.metrics_token {
            vars.insert("METRICS_TOKEN".to_string(), t);
        }
        if let Some(s) = opts.access_token_secs {
            vars.insert("ACCESS_TOKEN_SECONDS".to_string(), s.to_string());
        }
        if let Some(c) = opts.part_checksum {
            vars.insert("S3_PART_CHECKSUM".to_string(), c.to_string());
        }
        if let Some(o) = opts.cors_origins {
            vars.insert("CORS_ALLOWED_ORIGINS".to_string(), o);
        }
        let server_dir = dir.path().join("server");
        let config = Config::from_vars(server_dir.clone(), "127.0.0.1:0".parse().unwrap(), &vars)
            .expect("config");
        let database = config.database.clone();
        let kept = config.clone();
        let handle = idance_server::start(config).await.expect("server starts");

        let (endpoint, bucket, region, ak, sk) = match garage {
            Some(g) => (g.endpoint, g.bucket, g.region, g.access_key, g.secret_key),
            None => {
                let creds: Value = serde_json::from_slice(
                    &std::fs::read(server_dir.join("store_credentials.json")).unwrap(),
                )
                .unwrap();
                (
                    handle.base_url(),
                    idance_server::local_store::LOCAL_BUCKET.to_string(),
                    idance_server::local_store::LOCAL_REGION.to_string(),
                    creds["access_key"].as_str().unwrap().to_string(),
                    creds["secret_key"].as_str().unwrap().to_string(),
                )
            }
        };
        Self {
            backend,
            handle,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            s3: s3_at(&endpoint, &region, &ak, &sk),
            bucket,
            database,
            config: kept,
            _dir: dir,
        }
    }

    /// What `idance users …` and `idance admin …` use, on this server's database.
    pub async fn admin(&self) -> idance_server::Admin {
        idance_server::Admin::open(self.config.clone())
            .await
            .expect("admin opens")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub fn token(&self, user: &str) -> String {
        self.handle
            .jwt
            .issue(user, Duration::from_secs(600))
            .expect("token")
    }

    /// Calls the API with an optional bearer token and raw body.
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Answer {
            status,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call_raw(Method::POST, path, Some(token), Some(body.to_string()))
            .await
    }

    pub async fn start_session(&self, token: &str) -> String {
        let a = self
            .call_raw(Method::POST, "/api/sessions/start", Some(token), None)
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        a.str("session_id")
    }

    /// Every key in the bucket (to check that refused calls change nothing).
    pub async fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .set_continuation_token(token)
                .send()
                .await
                .expect("list objects");
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        keys.sort();
        keys
    }

    /// Completes a multipart upload in storage behind the server's back: what storage
    /// holds when the server's CompleteMultipartUpload reached it but the answer, or the
    /// client, went away before the server recorded it.
    pub async fn complete_in_storage(&self, key: &str, upload_id: &str, etags: &[String]) {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let parts = etags
            .iter()
            .enumerate()
            .map(|(i, e)| {
                CompletedPart::builder()
                    .part_number(i as i32 + 1)
                    .e_tag(format!("\"{e}\""))
                    .build()
            })
            .collect();
        self.s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .expect("complete in storage");
    }

    /// The CRC32C storage keeps for the object (a multipart one's is `BASE64-N`, over its
    /// parts' checksums), or None when it was stored without one.
    pub async fn stored_crc32c(&self, key: &str) -> Option<String> {
        self.s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
            .send()
            .await
            .expect("head object")
            .checksum_crc32_c()
            .map(str::to_string)
    }

    /// Multipart uploads storage still holds for `key`.
    pub async fn stored_part_count(&self, key: &str, upload_id: &str) -> Result<usize, String> {
        self.s3
            .list_parts()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map(|o| o.parts().len())
            .map_err(|e| {
                aws_sdk_s3::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or("error")
                    .to_string()
            })
    }

    /// Where this server keeps its sessions and uploads.
    pub fn database(&self) -> idance_server::config::DatabaseConfig {
        self.database.clone()
    }

    /// Puts an object straight into the bucket, behind the server's back.
    pub async fn put_object(&self, key: &str, data: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(data.into())
            .send()
            .await
            .expect("put object");
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// An S3 client for a path-style store (Garage, the embedded store).
pub fn s3_at(
    endpoint: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Random bytes (Garage deduplicates identical data, so every test makes its own).
pub fn random_bytes(len: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut v = vec![0u8; len];
    rand::rng().fill_bytes(&mut v);
    v
}

pub fn md5_b64(data: &[u8]) -> String {
    use base64::Engine;
    use md5::{Digest, Md5};
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// Base64 of the big-endian CRC32C, as `x-amz-checksum-crc32c` carries it.
pub fn crc32c_b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(data).to_be_bytes())
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(data))
}

/// A real H.264/AAC MP4 of about `mb` megabytes (lossless test pattern, random noise so
/// Garage cannot deduplicate it between runs), made with ffmpeg.
pub fn make_video(dir: &std::path::Path, name: &str, mb: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    let seed: u32 = rand::random::<u32>() % 100_000;
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "testsrc2=size=640x360:rate=25:duration=4,noise=alls=60:allf=t+u:all_seed={seed}"
        ))
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=duration=4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
        ])
        .arg(format!("{}k", mb * 2 * 1024))
        .args([
            "-maxrate",
            "200M",
            "-bufsize",
            "200M",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .status()
        .expect("ffmpeg runs (scripts/install-deps installs it)");
    assert!(status.success(), "ffmpeg failed");
    path
}

/// A stored object's bytes, fetched through the download URL of the server at `base`.
pub async fn download_stored(base: &str, token: &str, key: &str) -> Vec<u8> {
    let http = reqwest::Client::new();
    let answer = http
        .get(format!("{base}/api/s3/files/{key}/url"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers");
    let status = answer.status();
    let url: serde_json::Value = answer.json().await.expect("a JSON answer");
    assert_eq!(status, StatusCode::OK, "download URL for {key}: {url}");
    let url = url["download_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no download_url: {url}"));
    http.get(url)
        .send()
        .await
        .expect("storage answers")
        .bytes()
        .await
        .expect("the object's bytes")
        .to_vec()
}

/// A client-side queue + uploader talking to `base_url` (the server or a proxy of it).
pub fn runner_at(
    base_url: &str,
    token: &str,
    queue_dir: &std::path::Path,
    config: idance_core::UploaderConfig,
) -> idance_core::Runner {
    let api = idance_core::ApiClient::new(base_url, token).expect("api client");
    let queue = idance_core::Queue::open(&queue_dir.join("queue.db")).expect("queue");
    idance_core::Runner::new(idance_core::Uploader::new(api, queue, config))
}

/// A client-side queue + uploader for `server`, with its own queue folder.
pub fn client(
    srv: &TestServer,
    user: &str,
    queue_dir: &std::path::Path,
    workers: usize,
) -> idance_core::Runner {
    let config = idance_core::UploaderConfig {
        workers,
        max_outage: Duration::from_secs(120),
        ..Default::default()
    };
    client_with(srv, user, queue_dir, config)
}

/// Like [`client`], with the whole uploader configuration.
pub fn client_with(
    srv: &TestServer,
    user: &str,
    queue_dir: &std::path::Path,
    config: idance_core::UploaderConfig,
) -> idance_core::Runner {
    runner_at(&srv.handle.base_url(), &srv.token(user), queue_dir, config)
}

impl TestServer {
    /// Asserts that the object at `key` holds exactly the bytes of `file`.
    pub async fn assert_stored(&self, token: &str, key: &str, file: &std::path::Path, what: &str) {
        let got = self.download(token, key).await;
        let want = std::fs::read(file).expect("read the local file");
        assert_eq!(
            md5_hex(&got),
            md5_hex(&want),
            "{what}: the stored object differs from {}",
            file.display()
        );
    }

    /// The stored object's bytes, fetched through the API's download URL.
    pub async fn download(&self, token: &str, key: &str) -> Vec<u8> {
        download_stored(&self.handle.base_url(), token, key).await
    }
}

/// The first file under `dir` (recursively) holding `needle`: a secret must be in none.
pub fn file_holding(dir: &std::path::Path, needle: &[u8]) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = file_holding(&p, needle) {
                return Some(f);
            }
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
            return Some(p);
        }
    }
    None
}

/// `secs` seconds of 1080p at about 20 Mbit/s with sound, as a phone films a class
/// (noise keeps the bitrate up): far above what compression leaves.
pub fn phone_clip(dir: &std::path::Path, name: &str, secs: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "testsrc2=size=1920x1080:rate=30:duration={secs},noise=alls=20:allf=t"
        ))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=duration={secs}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast"])
        .args([
            "-b:v",
            "20M",
            "-maxrate",
            "20M",
            "-bufsize",
            "40M",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .status()
        .expect("ffmpeg runs (scripts/install-deps installs it)")
        .success();
    assert!(ok, "ffmpeg could not make {name}");
    path
}

/// A small filesystem (tmpfs of `mib` MiB) mounted on `dir` for disk-full tests;
/// unmounted when dropped. Mounting needs root, as CI runs.
pub struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    pub fn mount(dir: &std::path::Path, mib: u32) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "this test mounts a {mib} MiB tmpfs on {}: run it as root (CI does)",
            dir.display()
        );
        SmallDisk(dir.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a process that still holds a file there must not keep it mounted.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

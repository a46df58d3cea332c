//! A web page on another origin runs the plain `fetch` flow in headless Chromium
//! (Debian's `chromium`): start → upload URL → PUT to storage → complete → download.
//! This needs the API's CORS answers and the store's bucket CORS rule to be right.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use idance_tests::{BACKENDS, Options, TestServer};
use reqwest::Method;
use serde_json::Value;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc};

const PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>fetch flow</title><script>
const p = new URLSearchParams(location.search);
const api = p.get('api'), token = p.get('token');
const size = 1048576 + 3;
const data = new Uint8Array(size);
for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 255;
async function call(path, body) {
  const r = await fetch(api + path, {method: 'POST', headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)});
  if (!r.ok) throw new Error(path + ' answered ' + r.status);
  return r.json();
}
async function run() {
  const s = await call('/api/sessions/start', {title: 'from a browser'});
  const u = await call('/api/s3/upload/video', {session_id: s.session_id, file_extension: 'mp4', content_type: 'video/mp4'});
  const put = await fetch(u.upload_url, {method: 'PUT', headers: {'Content-Type': u.content_type}, body: data});
  if (!put.ok) throw new Error('PUT answered ' + put.status);
  const done = await call('/api/sessions/complete', {sessionId: s.session_id, endTime: new Date().toISOString(), durationMinutes: 1, videoURL: u.file_url, videoFileKey: u.file_key});
  const d = await fetch(api + '/api/s3/files/' + u.file_key + '/url', {headers: {'Authorization': 'Bearer ' + token}}).then(r => r.json());
  const got = new Uint8Array(await (await fetch(d.download_url)).arrayBuffer());
  const same = got.length === size && got.every((b, i) => b === data[i]);
  return {ok: true, status: done.status, file_key: u.file_key, downloaded_same: same};
}
run().catch(e => ({ok: false, error: String(e)})).then(r => fetch('/result', {method: 'POST', body: JSON.stringify(r)}));
</script>"#;

type Results = Arc<Mutex<mpsc::Sender<Value>>>;

async fn result(State(tx): State<Results>, body: String) {
    let v = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let _ = tx.lock().await.send(v).await;
}

/// Serves the page on its own origin and returns (origin, results).
async fn page_server() -> (String, mpsc::Receiver<Value>) {
    let (tx, rx) = mpsc::channel(4);
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/result", post(result))
        .with_state(Arc::new(Mutex::new(tx)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, rx)
}

fn expected_bytes() -> Vec<u8> {
    (0..1_048_579usize)
        .map(|i| ((i * 31 + 7) & 255) as u8)
        .collect()
}

#[tokio::test]
async fn a_page_on_another_origin_uploads_with_plain_fetch() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("Debian's chromium is needed for this test: run scripts/install-deps");
    for backend in BACKENDS {
        let (origin, mut results) = page_server().await;
        let srv = TestServer::start_with(
            backend,
            Options {
                cors_origins: Some(origin.clone()),
                ..Default::default()
            },
        )
        .await;
        let token = srv.token("browser_user");
        let profile = tempfile::tempdir().unwrap();
        let url = format!("{origin}/?api={}&token={token}", srv.handle.base_url());
        let mut browser = tokio::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let got = tokio::time::timeout(Duration::from_secs(90), results.recv()).await;
        let _ = browser.kill().await;
        let got = got
            .expect("the page reported within 90 s")
            .expect("a result");
        assert_eq!(got["ok"], true, "{backend:?}: {got}");
        assert_eq!(got["status"], "completed");
        assert_eq!(
            got["downloaded_same"], true,
            "{backend:?}: the browser downloaded other bytes"
        );
        let key = got["file_key"].as_str().unwrap();
        let stored = srv.download(&token, key).await;
        assert!(
            stored == expected_bytes(),
            "{backend:?}: stored object differs"
        );
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn api_answers_cors_only_for_configured_origins() {
    let srv = TestServer::start_with(
        idance_tests::Backend::Local,
        Options {
            cors_origins: Some("https://app.idance.example".into()),
            ..Default::default()
        },
    )
    .await;
    let preflight = |origin: &'static str| {
        srv.http
            .request(Method::OPTIONS, srv.url("/api/s3/upload/video"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight("https://app.idance.example").await.unwrap();
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("https://app.idance.example")
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "CORS granted to an unlisted origin"
    );
    // The embedded store answers like a bucket with the seed's rule: any origin.
    let store = srv
        .http
        .request(Method::OPTIONS, srv.url("/idance/sessions/x"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(
        store
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("*")
    );
    srv.shutdown().await;
}

//! Liveness and readiness (operations.md): `/healthz` always, `/readyz` only when the
//! database and storage answer — and within about two seconds when storage does not.

use idance_tests::{BACKENDS, Backend, Options, TestServer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn get(s: &TestServer, path: &str) -> (u16, Value) {
    let r = s.http.get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn live_and_ready_on_both_stores_without_a_token() {
    for backend in BACKENDS {
        let s = TestServer::start(backend).await;
        assert_eq!(
            get(&s, "/healthz").await,
            (200, json!({"status": "ok"})),
            "{backend:?}"
        );
        assert_eq!(
            get(&s, "/readyz").await,
            (200, json!({"status": "ready"})),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn not_ready_while_storage_does_not_answer_but_still_live() {
    // Nothing listens on port 1: every storage call is refused.
    let s = TestServer::start_with(
        Backend::Garage,
        Options {
            storage_endpoint: Some("http://127.0.0.1:1".into()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(get(&s, "/healthz").await.0, 200);
    let asked = Instant::now();
    let (status, body) = get(&s, "/readyz").await;
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "not_ready");
    assert_eq!(body["checks"], json!({"database": true, "storage": false}));
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("storage"),
        "{body}"
    );
}

//! A stand-in for the original (Part A only) backend: it forwards the Part A endpoints
//! to our server and behaves like the seed — no `/api/capabilities`, no multipart,
//! `200` from start, and errors as `422 {"detail": ...}` with no `code`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

async fn forward(State(upstream): State<String>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let not_found = |detail: &str| {
        Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({ "detail": detail }).to_string(),
            ))
            .unwrap()
    };
    if path == "/api/capabilities" || path.starts_with("/api/s3/multipart") {
        return not_found("Not Found");
    }
    let target = format!(
        "{upstream}{}",
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let method = req.method().clone();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let mut fwd = reqwest::Client::new().request(method, target).body(body);
    for name in ["authorization", "content-type"] {
        if let Some(v) = headers.get(name) {
            fwd = fwd.header(name, v.as_bytes());
        }
    }
    let Ok(resp) = fwd.send().await else {
        return not_found("upstream down");
    };
    let mut status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let mut body = text.clone();
    if path == "/api/sessions/start" && status == 201 {
        status = 200;
    }
    if (400..500).contains(&status) {
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or(text);
        if status == 400 {
            status = 422;
        }
        body = serde_json::json!({ "detail": detail }).to_string();
    }
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// Starts the stub in front of `upstream`; returns its base URL.
pub async fn start(upstream: String) -> String {
    let app = Router::new().fallback(forward).with_state(upstream);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

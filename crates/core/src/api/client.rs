//! An HTTP client for the upload contract. Tolerant of Part A servers: any 2xx is
//! success, errors may carry only `detail`, capabilities may be missing.

use super::ClientError;
use super::sign_in::SignIn;
use crate::network::Network;
use idance_contract::wire::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// What the server can do, from `GET /api/capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// Part B: resumable multipart uploads (and `client_ref`).
    Multipart,
    /// Part A only: one presigned PUT per file.
    SinglePut,
}

/// What a complete capabilities answer says.
/// What the server can do that changes how a file is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerCaps {
    pub mode: ServerMode,
    /// Storage checks CRC32C part checksums (`checksum_algorithms` has `crc32c`).
    pub crc32c: bool,
    /// A checksum given for a single PUT is signed into it (`put_checksums`).
    pub put_checksums: bool,
    /// The server lists, renames and deletes sessions (library.md, Part D).
    pub library: bool,
}

fn caps_of(success: bool, body: &str) -> ServerCaps {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let json = json.filter(|_| success);
    let mode = match json.as_ref().and_then(|j| j.get("multipart")?.as_bool()) {
        Some(true) => ServerMode::Multipart,
        _ => ServerMode::SinglePut,
    };
    let crc32c = mode == ServerMode::Multipart
        && json
            .as_ref()
            .and_then(|j| j.get("checksum_algorithms")?.as_array().cloned())
            .is_some_and(|a| {
                a.iter()
                    .any(|v| v.as_str() == Some(idance_contract::CHECKSUM_CRC32C))
            });
    let put_checksums = mode == ServerMode::Multipart
        && json
            .as_ref()
            .and_then(|j| j.get("put_checksums")?.as_bool())
            .unwrap_or(false);
    let library = json
        .as_ref()
        .and_then(|j| j.get("library")?.as_bool())
        .unwrap_or(false);
    ServerCaps {
        mode,
        crc32c,
        put_checksums,
        library,
    }
}

/// A user's text as one path segment (a session id typed by hand may hold anything).
fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where the bearer token comes from.
#[derive(Clone)]
enum Auth {
    /// A token given as it is (pasted, `--token`, or made for an in-process service).
    Token(Arc<str>),
    /// A sign-in with email and password, renewed as it goes.
    SignIn(Arc<SignIn>),
}

/// The HTTP clients of one network generation: after a change (an address, a wake)
/// pooled connections may be dead without knowing it, so new ones are built.
struct Connections {
    generation: u64,
    /// API calls: small JSON bodies, bounded as a whole.
    api: reqwest::Client,
    /// Storage PUTs: no whole-request bound (a part on a thin uplink takes minutes);
    /// their bodies are watched for stalls instead (`network::stall`).
    storage: reqwest::Client,
}

/// An API call that takes longer than this failed (its retry is cheap).
const API_TIMEOUT: Duration = Duration::from_secs(30);
/// A handshake takes one round trip; a silent outage drops it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Connections {
    fn build(generation: u64) -> Result<Self, ClientError> {
        let api = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(API_TIMEOUT)
            .build()
            .map_err(ClientError::from_reqwest)?;
        let storage = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(ClientError::from_reqwest)?;
        Ok(Self {
            generation,
            api,
            storage,
        })
    }
}

#[derive(Clone)]
pub struct ApiClient {
    connections: Arc<std::sync::Mutex<Connections>>,
    network: Network,
    base: String,
    auth: Auth,
}

impl ApiClient {
    /// A client that sends `token` as it is.
    pub fn new(base: &str, token: &str) -> Result<Self, ClientError> {
        Self::with_auth(base, Auth::Token(token.into()))
    }

    /// A client whose tokens come from a sign-in (to the same server).
    pub fn signed_in(sign_in: Arc<SignIn>) -> Result<Self, ClientError> {
        let base = sign_in.server().to_owned();
        Self::with_auth(&base, Auth::SignIn(sign_in))
    }

    fn with_auth(base: &str, auth: Auth) -> Result<Self, ClientError> {
        let network = Network::new();
        Ok(Self {
            connections: Arc::new(std::sync::Mutex::new(Connections::build(
                network.generation(),
            )?)),
            network,
            base: base.trim_end_matches('/').to_string(),
            auth,
        })
    }

    /// This client on `network`: its connections are made afresh after each change.
    pub fn on_network(mut self, network: Network) -> Self {
        // The connections made so far are as fresh as they come: they belong to the
        // network's current generation (not built again on the first request).
        if let Ok(mut c) = self.connections.lock() {
            c.generation = network.generation();
        }
        self.network = network;
        self
    }

    /// The service's address (`http://host:port`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The network this client's connections follow.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The clients of the current network generation (built anew after a change).
    fn clients(&self) -> (reqwest::Client, reqwest::Client) {
        let now = self.network.generation();
        let mut c = match self.connections.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if c.generation != now {
            match Connections::build(now) {
                Ok(fresh) => *c = fresh,
                // Building a client fails only without TLS roots; keep the old ones.
                Err(e) => tracing::warn!(error = %e, "cannot make fresh connections"),
            }
        }
        (c.api.clone(), c.storage.clone())
    }

    fn api_http(&self) -> reqwest::Client {
        self.clients().0
    }

    /// The sign-in this client renews its tokens from, if any.
    pub fn sign_in(&self) -> Option<&Arc<SignIn>> {
        match &self.auth {
            Auth::SignIn(s) => Some(s),
            Auth::Token(_) => None,
        }
    }

    /// After a refused sign-in: whether the user signed in again since, so the jobs
    /// waiting for it may go on. A fixed token never changes by itself.
    pub async fn signed_in_again(&self) -> bool {
        match &self.auth {
            Auth::SignIn(s) => s.signed_in_again().await,
            Auth::Token(_) => false,
        }
    }

    async fn bearer(&self) -> Result<String, ClientError> {
        match &self.auth {
            Auth::Token(t) => Ok(t.to_string()),
            Auth::SignIn(s) => s.access_token().await,
        }
    }

    /// The HTTP client for requests to storage (presigned URLs): no whole-request
    /// timeout, fresh connections after a network change.
    pub fn storage_http(&self) -> reqwest::Client {
        self.clients().1
    }

    /// Anything but a 200 JSON with `"multipart": true` means a Part A server — but
    /// only a whole, clean answer may say so: a connection cut before or during the
    /// answer is an error to retry, never a downgrade to one whole PUT.
    pub async fn mode(&self) -> Result<ServerMode, ClientError> {
        Ok(self.capabilities().await?.mode)
    }

    /// The whole capabilities answer (see [`ApiClient::mode`]).
    pub async fn capabilities(&self) -> Result<ServerCaps, ClientError> {
        let resp = self
            .api_http()
            .get(format!("{}/api/capabilities", self.base))
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(ClientError::Server {
                status: status.as_u16(),
                detail: "capabilities".into(),
                retry_after: super::error::retry_after(resp.headers()),
            });
        }
        // Read the whole body first: a reset mid-body fails here, as a network error.
        let body = resp.text().await.map_err(ClientError::from_reqwest)?;
        Ok(caps_of(status.is_success(), &body))
    }

    /// Sends the request; a 401 on a sign-in renews the token once and sends again
    /// (the token may have been revoked early, or this computer's clock is off).
    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let token = self.bearer().await?;
        let mut answer = self.send_once(method.clone(), path, body, &token).await?;
        if answer.0 == 401
            && let Auth::SignIn(s) = &self.auth
        {
            let renewed = s.renew_after_refusal(&token).await?;
            answer = self.send_once(method, path, body, &renewed).await?;
        }
        let (status, retry_after, text) = answer;
        if !(200..300).contains(&status) {
            return Err(ClientError::from_answer(status, &text, retry_after));
        }
        // A 204 has no body: read as `null` (what `()` deserializes from).
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        serde_json::from_str(text).map_err(|e| ClientError::Protocol(format!("{path}: {e}")))
    }

    async fn send_once<B: Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
        token: &str,
    ) -> Result<(u16, Option<u64>, String), ClientError> {
        let mut req = self
            .api_http()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(ClientError::from_reqwest)?;
        let status = resp.status().as_u16();
        let retry_after = super::error::retry_after(resp.headers());
        let text = resp.text().await.map_err(ClientError::from_reqwest)?;
        Ok((status, retry_after, text))
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// A download URL for a stored object (`GET /api/s3/files/{key}/url`).
    pub async fn download_url(
        &self,
        file_key: &str,
    ) -> Result<idance_contract::wire::DownloadUrlResponse, ClientError> {
        self.send::<(), _>(
            reqwest::Method::GET,
            &format!("/api/s3/files/{file_key}/url"),
            None,
        )
        .await
    }

    /// Starts a session; returns its server id. `client_ref` makes this idempotent on our server.
    pub async fn start_session(
        &self,
        title: Option<&str>,
        client_ref: Option<&str>,
    ) -> Result<String, ClientError> {
        let body = StartSessionRequest {
            title: title.map(str::to_string),
            client_ref: client_ref.map(str::to_string),
        };
        let v: serde_json::Value = self.post("/api/sessions/start", &body).await?;
        v.get("session_id")
            .and_then(|s| s.as_str())
            .map(str::to_string)
            .ok_or_else(|| ClientError::Protocol("start answered without session_id".into()))
    }

    /// One page of the caller's library (`GET /api/sessions`), newest first.
    pub async fn library_page(
        &self,
        status: Option<SessionStatus>,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<SessionPage, ClientError> {
        let mut path = format!("/api/sessions?limit={limit}");
        if let Some(s) = status {
            path.push_str(match s {
                SessionStatus::Active => "&status=active",
                SessionStatus::Completed => "&status=completed",
            });
        }
        if let Some(c) = cursor {
            // The cursor is URL-safe base64 from the server; encoded anyway.
            path.push_str("&cursor=");
            path.extend(url::form_urlencoded::byte_serialize(c.as_bytes()));
        }
        self.send::<(), _>(reqwest::Method::GET, &path, None).await
    }

    /// One session of the caller's (`GET /api/sessions/{id}`).
    pub async fn library_session(&self, session_id: &str) -> Result<Session, ClientError> {
        self.send::<(), _>(
            reqwest::Method::GET,
            &format!("/api/sessions/{}", path_segment(session_id)),
            None,
        )
        .await
    }

    /// Renames a session or sets its calories (`PATCH /api/sessions/{id}`).
    pub async fn update_session(
        &self,
        session_id: &str,
        req: &UpdateSessionRequest,
    ) -> Result<Session, ClientError> {
        self.send(
            reqwest::Method::PATCH,
            &format!("/api/sessions/{}", path_segment(session_id)),
            Some(req),
        )
        .await
    }

    /// Deletes a session and its objects (`DELETE /api/sessions/{id}`; a repeat is fine).
    pub async fn delete_session(&self, session_id: &str) -> Result<(), ClientError> {
        self.send::<(), ()>(
            reqwest::Method::DELETE,
            &format!("/api/sessions/{}", path_segment(session_id)),
            None,
        )
        .await
    }

    pub async fn video_upload_url(
        &self,
        req: &VideoUploadRequest,
    ) -> Result<UploadUrlResponse, ClientError> {
        self.post("/api/s3/upload/video", req).await
    }

    pub async fn thumbnail_upload_url(
        &self,
        req: &ThumbnailUploadRequest,
    ) -> Result<UploadUrlResponse, ClientError> {
        self.post("/api/s3/upload/thumbnail", req).await
    }

    pub async fn complete_session(
        &self,
        req: &CompleteSessionRequest,
    ) -> Result<serde_json::Value, ClientError> {
        self.post("/api/sessions/complete", req).await
    }

    pub async fn create_multipart(
        &self,
        req: &CreateMultipartRequest,
    ) -> Result<CreateMultipartResponse, ClientError> {
        self.post("/api/s3/multipart/video", req).await
    }

    pub async fn sign_parts(
        &self,
        req: &SignPartsRequest,
    ) -> Result<SignPartsResponse, ClientError> {
        self.post("/api/s3/multipart/sign", req).await
    }

    pub async fn list_parts(
        &self,
        file_key: &str,
        upload_id: &str,
    ) -> Result<Vec<StoredPart>, ClientError> {
        let body = UploadRef {
            file_key: file_key.into(),
            upload_id: upload_id.into(),
        };
        let r: ListPartsResponse = self.post("/api/s3/multipart/parts", &body).await?;
        Ok(r.parts)
    }

    pub async fn complete_multipart(
        &self,
        req: &CompleteMultipartRequest,
    ) -> Result<CompleteMultipartResponse, ClientError> {
        self.post("/api/s3/multipart/complete", req).await
    }

    pub async fn abort_multipart(
        &self,
        file_key: &str,
        upload_id: &str,
    ) -> Result<(), ClientError> {
        let body = UploadRef {
            file_key: file_key.into(),
            upload_id: upload_id.into(),
        };
        let _: serde_json::Value = self.post("/api/s3/multipart/abort", &body).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every request with a 200 whose body is cut by a reset
    /// after `sent` of its `declared` bytes.
    async fn cutting_server(declared: usize, sent: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = s.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
                );
                let body = format!("{{\"multipart\": true, \"parts\": [{}", " ".repeat(sent));
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&body.as_bytes()[..sent]).await;
                drop(s);
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn an_answer_cut_by_a_reset_is_a_network_error_to_retry() {
        let api = ApiClient::new(&cutting_server(1000, 300).await, "t").unwrap();
        let req = SignPartsRequest {
            file_key: "k".into(),
            upload_id: "u".into(),
            parts: vec![],
        };
        let e = api.sign_parts(&req).await.unwrap_err();
        assert!(e.is_transient(), "{e:?}");
    }

    #[tokio::test]
    async fn a_cut_capabilities_answer_never_downgrades_to_part_a() {
        let api = ApiClient::new(&cutting_server(1000, 20).await, "t").unwrap();
        let got = api.mode().await;
        assert!(
            matches!(got, Err(ref e) if e.is_transient()),
            "a cut answer gave {got:?}"
        );
    }

    fn mode_of(success: bool, body: &str) -> ServerMode {
        caps_of(success, body).mode
    }

    #[test]
    fn only_a_clean_multipart_answer_means_part_b() {
        assert_eq!(
            mode_of(true, r#"{"multipart": true}"#),
            ServerMode::Multipart
        );
        assert_eq!(
            mode_of(true, r#"{"multipart": false}"#),
            ServerMode::SinglePut
        );
        assert_eq!(
            mode_of(false, r#"{"multipart": true}"#),
            ServerMode::SinglePut
        );
        assert_eq!(mode_of(true, "<html>"), ServerMode::SinglePut);
    }

    #[test]
    fn crc32c_only_when_announced_by_a_part_b_server() {
        let crc = |body| caps_of(true, body).crc32c;
        assert!(crc(
            r#"{"multipart": true, "checksum_algorithms": ["crc64nvme", "crc32c"]}"#
        ));
        assert!(!crc(r#"{"multipart": true}"#));
        assert!(!crc(
            r#"{"multipart": true, "checksum_algorithms": "crc32c"}"#
        ));
        assert!(!crc(
            r#"{"multipart": false, "checksum_algorithms": ["crc32c"]}"#
        ));
        assert!(
            !caps_of(
                false,
                r#"{"multipart": true, "checksum_algorithms": ["crc32c"]}"#
            )
            .crc32c
        );
        assert!(caps_of(true, r#"{"multipart": true, "put_checksums": true}"#).put_checksums);
        assert!(!caps_of(true, r#"{"multipart": true}"#).put_checksums);
    }
}

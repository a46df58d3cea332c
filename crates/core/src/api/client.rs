//! An HTTP client for the upload contract. Tolerant of Part A servers: any 2xx is
//! success, errors may carry only `detail`, capabilities may be missing.

use super::ClientError;
use idance_contract::wire::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// What the server can do, from `GET /api/capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// Part B: resumable multipart uploads (and `client_ref`).
    Multipart,
    /// Part A only: one presigned PUT per file.
    SinglePut,
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ApiClient {
    pub fn new(base: &str, token: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(ClientError::from_reqwest)?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    pub fn set_token(&mut self, token: &str) {
        self.token = token.to_string();
    }

    /// The HTTP client, for requests to storage (presigned URLs).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Anything but a 200 JSON with `"multipart": true` means a Part A server.
    /// Only an unreachable server is an error.
    pub async fn mode(&self) -> Result<ServerMode, ClientError> {
        let resp = self
            .http
            .get(format!("{}/api/capabilities", self.base))
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        if resp.status().is_server_error() {
            return Err(ClientError::Server {
                status: resp.status().as_u16(),
                detail: "capabilities".into(),
            });
        }
        if !resp.status().is_success() {
            return Ok(ServerMode::SinglePut);
        }
        let json: Option<serde_json::Value> = resp.json().await.ok();
        Ok(
            match json.and_then(|j| j.get("multipart").and_then(|m| m.as_bool())) {
                Some(true) => ServerMode::Multipart,
                _ => ServerMode::SinglePut,
            },
        )
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(ClientError::from_reqwest)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(ClientError::from_reqwest)?;
        if !(200..300).contains(&status) {
            return Err(ClientError::from_answer(status, &text));
        }
        serde_json::from_str(&text).map_err(|e| ClientError::Protocol(format!("{path}: {e}")))
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

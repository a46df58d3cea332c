//! Object storage through aws-sdk-s3: presigning, HEAD, delete and the multipart calls.
//! The same code serves AWS S3, Garage and the embedded store.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart,
    LifecycleRule,
};
use idance_contract::wire::StoredPart;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no such object")]
    NotFound,
    #[error("no such multipart upload (aborted or expired)")]
    NoSuchUpload,
    #[error("{0}")]
    InvalidPart(String),
    #[error("{0}")]
    EntityTooSmall(String),
    #[error("{0}")]
    Failed(String),
}

/// Describes an SDK error without request URLs (which may carry signatures).
fn describe<E: ProvideErrorMetadata + std::fmt::Debug, R>(
    op: &str,
    err: &SdkError<E, R>,
) -> String {
    match err {
        SdkError::ServiceError(e) => {
            let e = e.err();
            format!(
                "{op}: {} {}",
                e.code().unwrap_or("error"),
                e.message().unwrap_or("")
            )
        }
        SdkError::TimeoutError(_) => format!("{op}: storage timed out"),
        SdkError::DispatchFailure(_) => format!("{op}: storage unreachable"),
        _ => format!("{op}: storage answered unexpectedly"),
    }
}

fn classify<E: ProvideErrorMetadata + std::fmt::Debug, R>(
    op: &str,
    err: SdkError<E, R>,
) -> StorageError {
    match err.code() {
        Some("NoSuchUpload") => StorageError::NoSuchUpload,
        Some("NoSuchKey") | Some("NotFound") => StorageError::NotFound,
        Some("InvalidPart") | Some("InvalidPartOrder") => {
            StorageError::InvalidPart(describe(op, &err))
        }
        Some("EntityTooSmall") => StorageError::EntityTooSmall(describe(op, &err)),
        _ => {
            metrics::counter!("idance_storage_errors_total", "operation" => op.to_string())
                .increment(1);
            StorageError::Failed(describe(op, &err))
        }
    }
}

pub struct StorageSettings {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub credentials: Option<(String, String)>,
    pub bucket_url: String,
    pub expires: Duration,
    /// Storage checks `x-amz-checksum-crc32c` on parts (AWS S3, Garage).
    pub crc32c: bool,
}

#[derive(Clone)]
pub struct Storage {
    client: Client,
    bucket: String,
    bucket_url: String,
    expires: Duration,
    crc32c: bool,
}

impl Storage {
    pub async fn connect(s: StorageSettings) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new(s.region));
        if let Some((ak, sk)) = s.credentials {
            loader =
                loader.credentials_provider(Credentials::new(ak, sk, None, None, "idance-config"));
        }
        let shared = loader.load().await;
        let mut conf = aws_sdk_s3::config::Builder::from(&shared)
            // Presigned URLs must not demand checksum headers clients do not send.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = s.endpoint {
            conf = conf.endpoint_url(endpoint).force_path_style(true);
        }
        Self {
            client: Client::from_conf(conf.build()),
            bucket: s.bucket,
            bucket_url: s.bucket_url.trim_end_matches('/').to_string(),
            expires: s.expires,
            crc32c: s.crc32c,
        }
    }

    /// Whether parts may be signed with CRC32C instead of MD5.
    pub fn crc32c(&self) -> bool {
        self.crc32c
    }

    pub fn expires_in(&self) -> u64 {
        self.expires.as_secs()
    }

    /// The object's canonical address (`S3_BUCKET_URL` + key).
    pub fn file_url(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_url)
    }

    fn presigning(&self) -> Result<PresigningConfig, StorageError> {
        PresigningConfig::expires_in(self.expires)
            .map_err(|e| StorageError::Failed(format!("presign config: {e}")))
    }

    pub async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        checksum: &idance_contract::wire::PutChecksum,
    ) -> Result<String, StorageError> {
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .set_content_md5(checksum.content_md5.clone())
            .set_checksum_crc32_c(checksum.checksum_crc32c.clone())
            .presigned(self.presigning()?)
            .await
            .map_err(|e| classify("presign PutObject", e))?;
        Ok(req.uri().to_string())
    }

    pub async fn presign_get(&self, key: &str) -> Result<String, StorageError> {
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(self.presigning()?)
            .await
            .map_err(|e| classify("presign GetObject", e))?;
        Ok(req.uri().to_string())
    }

    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: i32,
        content_md5: Option<&str>,
        checksum_crc32c: Option<&str>,
    ) -> Result<String, StorageError> {
        let req = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .set_content_md5(content_md5.map(str::to_string))
            .set_checksum_crc32_c(checksum_crc32c.map(str::to_string))
            .presigned(self.presigning()?)
            .await
            .map_err(|e| classify("presign UploadPart", e))?;
        Ok(req.uri().to_string())
    }

    /// Answers when the bucket does (readiness): HeadBucket with the service's keys.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| classify("HeadBucket", e))?;
        Ok(())
    }

    /// The object's size, or None when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.content_length().unwrap_or(0).max(0) as u64)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => match classify("HeadObject", e) {
                StorageError::NotFound => Ok(None),
                other => Err(other),
            },
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify("DeleteObject", e))?;
        Ok(())
    }

    pub async fn create_multipart(
        &self,
        key: &str,
        content_type: &str,
        crc32c: bool,
    ) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .set_checksum_algorithm(crc32c.then_some(ChecksumAlgorithm::Crc32C))
            .send()
            .await
            .map_err(|e| classify("CreateMultipartUpload", e))?;
        out.upload_id.ok_or_else(|| {
            StorageError::Failed("CreateMultipartUpload answered without an upload id".into())
        })
    }

    /// Every part storage holds for the upload, across all ListParts pages.
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<StoredPart>, StorageError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.clone())
                .send()
                .await
                .map_err(|e| classify("ListParts", e))?;
            for p in out.parts() {
                let (Some(n), Some(etag)) = (p.part_number(), p.e_tag()) else {
                    continue;
                };
                parts.push(StoredPart {
                    part_number: n.max(0) as u32,
                    etag: etag.trim_matches('"').to_string(),
                    size: p.size().unwrap_or(0).max(0) as u64,
                    checksum_crc32c: p.checksum_crc32_c().map(str::to_string),
                });
            }
            let next = out.next_part_number_marker().map(str::to_string);
            if out.is_truncated() != Some(true) || next.is_none() || next == marker {
                break;
            }
            marker = next;
        }
        parts.sort_by_key(|p| p.part_number);
        parts.dedup_by_key(|p| p.part_number);
        Ok(parts)
    }

    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, String, Option<String>)],
    ) -> Result<(), StorageError> {
        // An upload created with a checksum needs each part's in the complete call.
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|(n, etag, crc)| {
                        CompletedPart::builder()
                            .part_number(*n)
                            .e_tag(format!("\"{etag}\""))
                            .set_checksum_crc32_c(crc.clone())
                            .build()
                    })
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map_err(|e| classify("CompleteMultipartUpload", e))?;
        Ok(())
    }

    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        self.client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| classify("AbortMultipartUpload", e))?;
        Ok(())
    }

    /// Every object under `prefix` (all ListObjectsV2 pages).
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StorageError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("ListObjectsV2", e))?;
            for o in page.contents() {
                let Some(key) = o.key() else { continue };
                out.push(Listed {
                    key: key.to_string(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    modified: o.last_modified().map(|t| t.secs()).unwrap_or(0),
                });
            }
        }
        Ok(out)
    }

    /// Puts the bucket's lifecycle configuration (replacing the one there).
    pub async fn put_lifecycle(&self, rules: Vec<LifecycleRule>) -> Result<(), StorageError> {
        let conf = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| StorageError::Failed(format!("lifecycle rule: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .lifecycle_configuration(conf)
            .send()
            .await
            .map_err(|e| StorageError::Failed(describe("PutBucketLifecycleConfiguration", &e)))?;
        Ok(())
    }

    /// The bucket's lifecycle rules, as storage reports them.
    pub async fn lifecycle(&self) -> Result<Vec<LifecycleRule>, StorageError> {
        let out = self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| StorageError::Failed(describe("GetBucketLifecycleConfiguration", &e)))?;
        Ok(out.rules().to_vec())
    }
}

/// An object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    /// Unix seconds.
    pub modified: i64,
}

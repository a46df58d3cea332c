//! Direct mode: for instructors with their own bucket and no iDance backend. The upload
//! service runs inside this process on 127.0.0.1 over the configured bucket, so URLs
//! are presigned here with aws-sdk-s3 and the same queue and uploader do the rest
//! (multipart, resume, checks). Its sessions and uploads are kept in
//! `DATA/client/direct/server` (`idance --data-dir DATA/client/direct serve` reopens them).

use crate::Failure;
use anyhow::anyhow;
use idance_core::DataDir;
use idance_server::{Config, ServerHandle};

pub async fn start(data: &DataDir) -> Result<ServerHandle, Failure> {
    if std::env::var("S3_BUCKET_NAME").map_or(true, |b| b.trim().is_empty()) {
        return Err(Failure::Usage(anyhow!(
            "--direct needs your bucket: set S3_BUCKET_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (and S3_ENDPOINT_URL for a non-AWS store)"
        )));
    }
    let dir = data.direct_server();
    let listen = "127.0.0.1:0"
        .parse()
        .map_err(|e| Failure::Usage(anyhow!("{e}")))?;
    let config = Config::from_env(dir, listen).map_err(|e| Failure::Usage(e.into()))?;
    idance_server::start(config)
        .await
        .map_err(|e| Failure::Work(e.into()))
}

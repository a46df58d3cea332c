//! What the binary's tests share.

use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_idance");

/// `idance --data-dir DIR` with none of the developer's settings leaking in.
pub fn idance(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    for var in [
        "S3_BUCKET_NAME",
        "JWT_SECRET",
        "DATABASE_URL",
        "MAX_UPLOAD_MB",
        "PRESIGN_EXPIRES_SECONDS",
        "CORS_ALLOWED_ORIGINS",
        "IDANCE_TOKEN",
        "IDANCE_SERVER",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

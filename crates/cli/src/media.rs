//! `idance probe`, `thumbnail`, `trim`: local video tools, no queue or server.

use crate::Failure;
use crate::args::TrimArgs;
use std::path::Path;

pub async fn probe(file: &Path) -> Result<(), Failure> {
    let info = idance_media::probe(file)
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    println!(
        "{}",
        serde_json::to_string(&info).map_err(|e| Failure::Work(e.into()))?
    );
    Ok(())
}

pub async fn thumbnail(file: &Path, out: Option<&Path>) -> Result<(), Failure> {
    let t = idance_media::thumbnail(file, out)
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    println!("{}", t.path.display());
    Ok(())
}

pub async fn trim(args: TrimArgs) -> Result<(), Failure> {
    use idance_media::trim::TrimError;
    let (out, info) =
        idance_media::trim::trim(&args.file, args.start, args.end, args.out.as_deref())
            .await
            .map_err(|e| match e {
                TrimError::Range { .. } | TrimError::Exists(_) => Failure::Usage(e.into()),
                _ => Failure::Work(e.into()),
            })?;
    eprintln!(
        "cut to {:.1} s (from the keyframe at or before the start)",
        info.duration
    );
    println!("{}", out.display());
    Ok(())
}

//! Media work done with ffmpeg's own tools found on PATH (the release build bundles
//! them as a sidecar): capture devices, recording, probing videos and thumbnails.

pub mod compress;
pub mod devices;
pub mod encoders;
pub mod headers;
pub mod probe;
pub mod problem;
pub mod record;
pub mod space;
#[cfg(test)]
mod test_clip;
pub mod thumbnail;
pub mod trim;

pub use probe::{ProbeError, VideoInfo, probe};

/// A file made from `video` in `dir`: `<stem>.<tag>.<ext>`, numbered (`<stem>.<tag>-2.<ext>`
/// and on) when that name, or a recording's marker of it, exists: never over a file.
pub fn derived_path(
    dir: &std::path::Path,
    video: &std::path::Path,
    tag: &str,
    ext: &str,
) -> std::path::PathBuf {
    let stem = video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into());
    let name = |n: u32| match n {
        1 => dir.join(format!("{stem}.{tag}.{ext}")),
        n => dir.join(format!("{stem}.{tag}-{n}.{ext}")),
    };
    (1..)
        .map(name)
        .find(|p| !p.exists() && !record::marker::marker_path(p).exists())
        .unwrap_or_else(|| name(1))
}
pub use thumbnail::{Thumbnail, ThumbnailError, thumbnail};

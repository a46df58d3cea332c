//! Media work done with ffmpeg's own tools found on PATH (the release build bundles
//! them as a sidecar): capture devices, recording, probing videos and thumbnails.

pub mod devices;
pub mod headers;
pub mod probe;
pub mod record;
#[cfg(test)]
mod test_clip;
pub mod thumbnail;

pub use probe::{ProbeError, VideoInfo, probe};
pub use thumbnail::{Thumbnail, ThumbnailError, thumbnail};

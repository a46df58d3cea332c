//! Media work done with ffmpeg's own tools found on PATH (the release build bundles
//! them as a sidecar): capture devices, recording, probing videos and thumbnails.

pub mod compress;
pub mod devices;
pub mod encoders;
pub mod headers;
pub mod probe;
pub mod record;
pub mod space;
#[cfg(test)]
mod test_clip;
pub mod thumbnail;
pub mod trim;

pub use probe::{ProbeError, VideoInfo, probe};
pub use thumbnail::{Thumbnail, ThumbnailError, thumbnail};

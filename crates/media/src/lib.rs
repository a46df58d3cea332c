//! Media work done with ffmpeg's own tools found on PATH (the release build bundles
//! them as a sidecar). This version probes videos and makes thumbnails; recording follows.

pub mod probe;
pub mod thumbnail;

pub use probe::{ProbeError, VideoInfo, probe};
pub use thumbnail::{Thumbnail, ThumbnailError, thumbnail};

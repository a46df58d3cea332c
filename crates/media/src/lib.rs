//! Media work done with ffmpeg's own tools found on PATH (the release build bundles
//! them as a sidecar). This version probes videos; recording and thumbnails follow.

pub mod probe;

pub use probe::{ProbeError, VideoInfo, probe};

//! A dropped file's first bytes: the MP4/MOV header reader that decides, without
//! ffprobe, whether it is a video and how long (crates/media/src/headers.rs), and the
//! JPEG size reader of thumbnails. Whatever the bytes: no panic, and a duration given
//! is a real, positive number of seconds.
#![no_main]

use idance_media::headers::{jpeg_size, mp4_duration_of, mp4_video_duration_of};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let any = mp4_duration_of(&mut Cursor::new(data));
    let video = mp4_video_duration_of(&mut Cursor::new(data));
    for d in [any, video].into_iter().flatten() {
        assert!(d.is_finite() && d > 0.0, "duration {d}");
    }
    // A file with a video track has a header: the two readers agree on it.
    if let Some(v) = video {
        assert_eq!(any, Some(v));
    }
    let _ = jpeg_size(data);
});

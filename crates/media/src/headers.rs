//! Facts read straight from file headers, so a thumbnail needs one ffmpeg run instead of
//! ffprobe + ffmpeg (each parses a long MP4's index, ~0.15 s for an hour of video).
//! The bytes are whatever the user dropped: every size is checked against the file's
//! end before it is used (fuzzed by `tests/fuzz`, target `mp4_headers`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The box at the current position, `(start, kind, size)`, when it fits before `end`.
fn read_box_header<R: Read + Seek>(f: &mut R, end: u64) -> Option<(u64, [u8; 4], u64)> {
    let start = f.stream_position().ok()?;
    if start.checked_add(8)? > end {
        return None;
    }
    let mut h = [0u8; 8];
    f.read_exact(&mut h).ok()?;
    let kind = [h[4], h[5], h[6], h[7]];
    let (size, header) = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
        0 => (end - start, 8),
        1 => {
            let mut l = [0u8; 8];
            f.read_exact(&mut l).ok()?;
            (u64::from_be_bytes(l), 16)
        }
        s => (u64::from(s), 8),
    };
    // A 64-bit size near u64::MAX must not wrap past the end.
    if size < header || start.checked_add(size)? > end {
        return None;
    }
    Some((start, kind, size))
}

/// The duration in an MP4/MOV `mvhd` box; None for other containers, for fragmented
/// MP4 (whose `mvhd` says 0) and for anything unexpected: callers then ask ffprobe.
pub fn mp4_duration(path: &Path) -> Option<f64> {
    mp4_duration_of(&mut File::open(path).ok()?)
}

/// [`mp4_duration`] of any readable bytes.
pub fn mp4_duration_of<R: Read + Seek>(f: &mut R) -> Option<f64> {
    let (start, size) = find_moov(f)?;
    f.seek(SeekFrom::Start(start + 8)).ok()?;
    mvhd_duration(f, start + size)
}

/// The duration of an MP4/MOV whose header names a video track (a `hdlr` of type
/// `vide`): a file that needs no ffprobe to be taken in as a video. None otherwise.
pub fn mp4_video_duration(path: &Path) -> Option<f64> {
    mp4_video_duration_of(&mut File::open(path).ok()?)
}

/// [`mp4_video_duration`] of any readable bytes.
pub fn mp4_video_duration_of<R: Read + Seek>(f: &mut R) -> Option<f64> {
    /// Larger headers (hours of video) are left to ffprobe.
    const MAX_MOOV: u64 = 8 * 1024 * 1024;
    let (start, size) = find_moov(f)?;
    if size > MAX_MOOV {
        return None;
    }
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut moov = vec![0u8; size as usize];
    f.read_exact(&mut moov).ok()?;
    // hdlr: version/flags, pre_defined (QuickTime: component type), handler type.
    let video = moov
        .windows(16)
        .any(|w| &w[..4] == b"hdlr" && &w[12..16] == b"vide");
    if !video {
        return None;
    }
    f.seek(SeekFrom::Start(start + 8)).ok()?;
    mvhd_duration(f, start + size)
}

/// Where the `moov` box is (start, size), when the file starts with `ftyp`.
fn find_moov<R: Read + Seek>(f: &mut R) -> Option<(u64, u64)> {
    let len = f.seek(SeekFrom::End(0)).ok()?;
    f.seek(SeekFrom::Start(0)).ok()?;
    for i in 0..64 {
        let (start, kind, size) = read_box_header(f, len)?;
        if i == 0 && &kind != b"ftyp" {
            return None;
        }
        if &kind == b"moov" {
            return Some((start, size));
        }
        f.seek(SeekFrom::Start(start + size)).ok()?;
    }
    None
}

/// The duration in the `mvhd` among the boxes from the current position to `end`.
fn mvhd_duration<R: Read + Seek>(f: &mut R, end: u64) -> Option<f64> {
    loop {
        let (child, kind, csize) = read_box_header(f, end)?;
        if &kind == b"mvhd" {
            // Only the box's own bytes: a short `mvhd` must not read its neighbour's.
            let mut body = [0u8; 32];
            let own = usize::try_from(csize - (f.stream_position().ok()? - child)).ok()?;
            let n = own.min(body.len());
            f.read_exact(&mut body[..n]).ok()?;
            let (timescale, duration) = match body[0] {
                0 if n >= 20 => (
                    u32::from_be_bytes(body[12..16].try_into().ok()?),
                    u64::from(u32::from_be_bytes(body[16..20].try_into().ok()?)),
                ),
                1 if n >= 32 => (
                    u32::from_be_bytes(body[20..24].try_into().ok()?),
                    u64::from_be_bytes(body[24..32].try_into().ok()?),
                ),
                _ => return None,
            };
            if timescale == 0
                || duration == 0
                || duration == u64::from(u32::MAX)
                || duration == u64::MAX
            {
                return None;
            }
            return Some(duration as f64 / f64::from(timescale));
        }
        f.seek(SeekFrom::Start(child + csize)).ok()?;
    }
}

/// Width and height from a JPEG's start-of-frame marker.
pub fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let seg = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if sof {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + seg;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `mp4_headers`: a box whose 64-bit size is near u64::MAX
    /// wrapped `start + size` (a panic on a dropped file); now it is no MP4 header.
    #[test]
    fn a_box_size_near_the_limit_is_no_header() {
        let mut bytes = Vec::new();
        bytes.extend(16u32.to_be_bytes());
        bytes.extend(b"ftypisom");
        bytes.extend([0u8; 4]);
        bytes.extend(1u32.to_be_bytes());
        bytes.extend(b"moov");
        bytes.extend(u64::MAX.to_be_bytes());
        let mut cursor = std::io::Cursor::new(&bytes);
        assert_eq!(mp4_duration_of(&mut cursor), None);
        assert_eq!(
            mp4_video_duration_of(&mut std::io::Cursor::new(&bytes)),
            None
        );
    }

    fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
        crate::test_clip::clip(dir, name, 7, args)
    }

    #[test]
    fn reads_mvhd_of_mp4_and_mov_but_not_fragmented_or_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let mp4 = ffmpeg(dir.path(), "a.mp4", &["-c:v", "libx264"]);
        let d = mp4_duration(&mp4).unwrap();
        assert!((d - 7.0).abs() < 0.05, "{d}");
        let faststart = ffmpeg(
            dir.path(),
            "b.mp4",
            &["-c:v", "libx264", "-movflags", "+faststart"],
        );
        assert!((mp4_duration(&faststart).unwrap() - 7.0).abs() < 0.05);
        let mov = ffmpeg(dir.path(), "c.mov", &["-c:v", "libx264"]);
        assert!((mp4_duration(&mov).unwrap() - 7.0).abs() < 0.05);
        let frag = ffmpeg(
            dir.path(),
            "d.mp4",
            &["-c:v", "libx264", "-movflags", "+frag_keyframe+empty_moov"],
        );
        assert_eq!(mp4_duration(&frag), None, "fragmented: ask ffprobe");
        let mkv = ffmpeg(dir.path(), "e.mkv", &["-c:v", "libx264"]);
        assert_eq!(mp4_duration(&mkv), None);
        let text = dir.path().join("f.mp4");
        std::fs::write(&text, b"not a video at all").unwrap();
        assert_eq!(mp4_duration(&text), None);
        let empty = dir.path().join("g.mp4");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(mp4_duration(&empty), None);
    }

    #[test]
    fn a_video_track_is_told_from_an_audio_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let mp4 = ffmpeg(dir.path(), "a.mp4", &["-c:v", "libx264"]);
        assert!((mp4_video_duration(&mp4).unwrap() - 7.0).abs() < 0.05);
        let mov = ffmpeg(dir.path(), "b.mov", &["-c:v", "libx264"]);
        assert!((mp4_video_duration(&mov).unwrap() - 7.0).abs() < 0.05);
        let m4a = crate::test_clip::audio_only(dir.path(), "c.m4a");
        assert!(mp4_duration(&m4a).is_some(), "it has a header");
        assert_eq!(mp4_video_duration(&m4a), None, "but no video track");
    }

    #[test]
    fn reads_jpeg_size() {
        let dir = tempfile::tempdir().unwrap();
        let jpg = ffmpeg(dir.path(), "a.jpg", &["-frames:v", "1"]);
        assert_eq!(jpeg_size(&std::fs::read(jpg).unwrap()), Some((320, 240)));
        assert_eq!(jpeg_size(b"\x89PNG...."), None);
    }
}

//! Follows a recording's fragmented MP4 box by box as ffmpeg writes it, so that after
//! a pause a new ffmpeg process can go on in the same file: from `moov` it learns each
//! track's timescale, from every `moof` where each track's media ends and the last
//! fragment's number. A continuation's own `ftyp` and `moov` are dropped (the file has
//! them already); its fragments, timed from where the file ends, are appended.
//! `mfra`, the seek index ffmpeg writes at its end, is dropped from every process: it
//! would index only that process's fragments, from the middle of the file.
//!
//! Only the few fields needed are read (`tkhd`, `mdhd`, `trex`, `mfhd`, `tfhd`, `tfdt`,
//! `trun`); every other box passes through untouched, so whatever else ffmpeg writes
//! cannot make this fail.

use std::io;

/// A `moov` or `moof` larger than this is not what ffmpeg writes for a recording.
const MAX_GATHERED: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Track {
    id: u32,
    timescale: u32,
    /// `trex`'s default sample duration, for runs that give none.
    default_duration: u32,
    /// Where the media written so far ends, in `timescale` units.
    end: u64,
}

#[derive(Debug)]
enum State {
    /// Reading a box header (8 bytes, or 16 with a 64-bit size).
    Header,
    /// Gathering a whole `moov`/`moof` of `size` bytes to read it.
    Gather { size: u64 },
    /// Passing on (or dropping) the rest of another box.
    Pass { left: u64, drop: bool },
}

#[derive(Debug)]
pub struct Fragments {
    /// The file has its `ftyp`: another process's is dropped.
    has_ftyp: bool,
    state: State,
    pending: Vec<u8>,
    tracks: Vec<Track>,
    last_sequence: u32,
    /// A `moov` has been written to the file: a continuation is possible.
    has_init: bool,
    fragments: u64,
    /// The file's sample descriptions (codec headers: `avcC`, `esds`).
    codec: Option<Vec<u8>>,
    /// Continuations whose codec headers differed from the file's.
    codec_changes: u32,
}

impl Default for Fragments {
    fn default() -> Self {
        Fragments {
            has_ftyp: false,
            state: State::Header,
            pending: Vec::new(),
            tracks: Vec::new(),
            last_sequence: 0,
            has_init: false,
            fragments: 0,
            codec: None,
            codec_changes: 0,
        }
    }
}

/// Where the next ffmpeg process must start for its output to go on in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Continuation {
    /// `-output_ts_offset`: past the end of every track, so no timestamp goes back.
    pub offset_secs: f64,
    /// `-fragment_index`: the next fragment's number.
    pub fragment_index: u32,
    /// The file's H.264 level (`avcC`'s level byte, 32 for 3.2), for the next process
    /// to keep.
    pub h264_level: Option<u8>,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("ffmpeg's output is not the fragmented MP4 expected ({what})"),
    )
}

impl Fragments {
    /// Whether the file has its header (`ftyp` + `moov`) yet.
    pub fn has_init(&self) -> bool {
        self.has_init
    }

    /// Continuations whose codec headers were not the file's (their header is dropped,
    /// so a player would decode them with the wrong parameters): always 0 when every
    /// process runs the same encoder settings, caps included.
    pub fn codec_changes(&self) -> u32 {
        self.codec_changes
    }

    /// Fragments appended so far (all processes).
    pub fn fragments(&self) -> u64 {
        self.fragments
    }

    /// Seconds of media in the file: where its longest track ends.
    pub fn end_secs(&self) -> f64 {
        self.tracks
            .iter()
            .filter(|t| t.timescale > 0)
            .map(|t| t.end as f64 / f64::from(t.timescale))
            .fold(0.0, f64::max)
    }

    /// The next process goes on in this file: `margin` seconds past its end (an
    /// encoder's first packets may be timed a little before its start, e.g. AAC's
    /// priming). Its header is dropped, as any header once the file has one.
    pub fn continue_after(&mut self, margin: f64) -> Continuation {
        self.state = State::Header;
        self.pending.clear();
        Continuation {
            offset_secs: self.end_secs() + margin,
            // A damaged fragment's number at u32::MAX must not wrap (or panic).
            fragment_index: self.last_sequence.saturating_add(1),
            h264_level: self.codec.as_deref().and_then(h264_level),
        }
    }

    /// Takes the next bytes of ffmpeg's output and hands what belongs in the file to
    /// `write`, in order, each byte once.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        write: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        while !data.is_empty() {
            match self.state {
                State::Pass { left, drop } => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(data.len());
                    if !drop {
                        write(&data[..n])?;
                    }
                    data = &data[n..];
                    self.state = match left - n as u64 {
                        0 => State::Header,
                        left => State::Pass { left, drop },
                    };
                }
                State::Header => {
                    let want = if self.pending.len() >= 4 && self.pending[..4] == [0, 0, 0, 1] {
                        16
                    } else {
                        8
                    };
                    let n = (want - self.pending.len().min(want)).min(data.len());
                    self.pending.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if self.pending.len() < want {
                        continue;
                    }
                    if want == 8 && self.pending[..4] == [0, 0, 0, 1] {
                        continue; // a 64-bit size follows
                    }
                    self.header(write)?;
                }
                State::Gather { size } => {
                    let missing = usize::try_from(size).unwrap_or(usize::MAX) - self.pending.len();
                    let n = missing.min(data.len());
                    self.pending.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if self.pending.len() as u64 == size {
                        let boxed = std::mem::take(&mut self.pending);
                        self.gathered(&boxed, write)?;
                        self.state = State::Header;
                    }
                }
            }
        }
        Ok(())
    }

    /// A whole box header is in `pending`.
    fn header(&mut self, write: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let h = &self.pending;
        let kind: [u8; 4] = [h[4], h[5], h[6], h[7]];
        let (size, header_len) = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
            1 => (
                u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]),
                16,
            ),
            // To the end of the stream.
            0 => (u64::MAX, h.len() as u64),
            s => (u64::from(s), 8),
        };
        if size < header_len {
            return Err(bad("a box smaller than its header"));
        }
        let drop = &kind == b"mfra" || (self.has_ftyp && &kind == b"ftyp");
        self.has_ftyp |= &kind == b"ftyp";
        if matches!(&kind, b"moov" | b"moof") {
            if size > MAX_GATHERED {
                return Err(bad("an index box too large"));
            }
            self.state = State::Gather { size };
            return Ok(());
        }
        if !drop {
            write(&self.pending)?;
        }
        self.pending.clear();
        self.state = match size - header_len {
            0 => State::Header,
            left => State::Pass { left, drop },
        };
        Ok(())
    }

    fn gathered(
        &mut self,
        boxed: &[u8],
        write: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let header = if boxed[..4] == [0, 0, 0, 1] { 16 } else { 8 };
        let body = &boxed[header..];
        if &boxed[4..8] == b"moov" {
            self.read_moov(body);
            let codec = sample_descriptions(body);
            if self.has_init {
                // A continuation's: the file has one.
                if self.codec.as_ref() != Some(&codec) {
                    self.codec_changes += 1;
                    tracing::warn!("a continuation's codec headers differ from the file's");
                }
                return Ok(());
            }
            write(boxed)?;
            self.has_init = true;
            self.codec = Some(codec);
        } else {
            self.read_moof(body);
            write(boxed)?;
            self.fragments += 1;
        }
        Ok(())
    }

    fn read_moov(&mut self, body: &[u8]) {
        let mut tracks = Vec::new();
        let mut trex = Vec::new();
        for (kind, b) in children(body) {
            match &kind {
                b"trak" => {
                    let mut id = None;
                    let mut timescale = None;
                    for (k, b) in children(b) {
                        match &k {
                            b"tkhd" => id = full_box_field(b, 12, 20),
                            b"mdia" => {
                                timescale = children(b)
                                    .find(|(k, _)| k == b"mdhd")
                                    .and_then(|(_, b)| full_box_field(b, 12, 20));
                            }
                            _ => {}
                        }
                    }
                    if let (Some(id), Some(timescale)) = (id, timescale) {
                        tracks.push((id, timescale));
                    }
                }
                b"mvex" => {
                    for (k, b) in children(b) {
                        if &k == b"trex"
                            && let (Some(id), Some(d)) = (be32(b, 4), be32(b, 12))
                        {
                            trex.push((id, d));
                        }
                    }
                }
                _ => {}
            }
        }
        for (id, timescale) in tracks {
            let default_duration = trex.iter().find(|(t, _)| *t == id).map_or(0, |(_, d)| *d);
            match self.tracks.iter_mut().find(|t| t.id == id) {
                // A continuation's header: the file's tracks and ends stay.
                Some(t) => t.default_duration = default_duration,
                None => self.tracks.push(Track {
                    id,
                    timescale,
                    default_duration,
                    end: 0,
                }),
            }
        }
    }

    fn read_moof(&mut self, body: &[u8]) {
        for (kind, b) in children(body) {
            match &kind {
                b"mfhd" => {
                    if let Some(seq) = be32(b, 4) {
                        self.last_sequence = self.last_sequence.max(seq);
                    }
                }
                b"traf" => self.read_traf(b),
                _ => {}
            }
        }
    }

    fn read_traf(&mut self, body: &[u8]) {
        let mut id = None;
        let mut default_duration = None;
        let mut start = None;
        let mut runs: Vec<&[u8]> = Vec::new();
        for (kind, b) in children(body) {
            match &kind {
                b"tfhd" => {
                    let flags = be32(b, 0).unwrap_or(0) & 0x00FF_FFFF;
                    id = be32(b, 4);
                    let mut at = 8;
                    for (flag, len) in [(0x01, 8), (0x02, 4)] {
                        if flags & flag != 0 {
                            at += len;
                        }
                    }
                    if flags & 0x08 != 0 {
                        default_duration = be32(b, at);
                    }
                }
                b"tfdt" => {
                    start = match b.first() {
                        Some(1) => be64(b, 4),
                        _ => be32(b, 4).map(u64::from),
                    };
                }
                b"trun" => runs.push(b),
                _ => {}
            }
        }
        let Some(track) = id.and_then(|id| self.tracks.iter_mut().find(|t| t.id == id)) else {
            return;
        };
        let default = default_duration.unwrap_or(track.default_duration);
        // Saturating: absurd times from a damaged fragment must not wrap to small ones.
        let duration = runs
            .iter()
            .fold(0u64, |sum, r| sum.saturating_add(run_duration(r, default)));
        track.end = start.unwrap_or(track.end).saturating_add(duration);
    }
}

/// The total duration of a `trun`'s samples.
fn run_duration(b: &[u8], default: u32) -> u64 {
    let flags = be32(b, 0).unwrap_or(0) & 0x00FF_FFFF;
    let count = u64::from(be32(b, 4).unwrap_or(0));
    if flags & 0x100 == 0 {
        return count * u64::from(default);
    }
    let mut at = 8 + if flags & 0x01 != 0 { 4 } else { 0 } + if flags & 0x04 != 0 { 4 } else { 0 };
    let per_sample = [0x100, 0x200, 0x400, 0x800]
        .iter()
        .filter(|f| flags & **f != 0)
        .count()
        * 4;
    let mut total = 0u64;
    for _ in 0..count {
        match be32(b, at) {
            Some(d) => total += u64::from(d),
            None => break,
        }
        at += per_sample;
    }
    total
}

/// A full box's field that sits at `v0` in version 0 and at `v1` in version 1.
fn full_box_field(b: &[u8], v0: usize, v1: usize) -> Option<u32> {
    match b.first()? {
        0 => be32(b, v0),
        1 => be32(b, v1),
        _ => None,
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The level byte of the first `avcC` in `configs` (from [`sample_descriptions`]).
fn h264_level(configs: &[u8]) -> Option<u8> {
    let at = configs.windows(4).position(|w| w == b"avcC")?;
    configs.get(at + 4 + 3).copied()
}

/// Every track's codec configuration, in order: the boxes inside its sample entries
/// (`avcC`, `esds`...) but `btrt`, which only states the encoder's bitrate settings (a
/// new cap changes it; no decoder reads it).
fn sample_descriptions(moov: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let inside = |b: &[u8], kind: &[u8; 4]| {
        children(b)
            .find(|(k, _)| k == kind)
            .map(|(_, b)| b.to_vec())
    };
    for (_, trak) in children(moov).filter(|(k, _)| k == b"trak") {
        let stsd = inside(trak, b"mdia")
            .and_then(|b| inside(&b, b"minf"))
            .and_then(|b| inside(&b, b"stbl"))
            .and_then(|b| inside(&b, b"stsd"))
            .unwrap_or_default();
        // Version, flags and the entry count, then the entries.
        for (kind, entry) in children(stsd.get(8..).unwrap_or_default()) {
            out.extend(kind);
            // An audio entry's fields take 28 bytes, a video entry's 78.
            let fields = if &kind == b"mp4a" { 28 } else { 78 };
            out.extend(entry.get(..fields).unwrap_or(entry));
            for (k, b) in children(entry.get(fields..).unwrap_or_default()) {
                if &k != b"btrt" {
                    out.extend(k);
                    out.extend(b);
                }
            }
        }
    }
    out
}

/// The child boxes of a container box's body: (type, body). Stops at anything that
/// does not fit (a 64-bit size is checked before it is added).
fn children(body: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let size = be32(body, at)? as usize;
        let kind: [u8; 4] = body.get(at + 4..at + 8)?.try_into().ok()?;
        let (start, end) = match size {
            1 => (
                at + 16,
                at.checked_add(usize::try_from(be64(body, at + 8)?).ok()?)?,
            ),
            0 => (at + 8, body.len()),
            s => (at + 8, at + s),
        };
        if end < start || end > body.len() {
            return None;
        }
        at = end;
        Some((kind, &body[start..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `fragments`: a 64-bit box size near u64::MAX inside a
    /// `moov` wrapped the position past the end (a panic while recording); a damaged
    /// fragment's huge start time wrapped a track's end.
    #[test]
    fn sizes_and_times_near_the_limits_are_refused_not_wrapped() {
        let mut moov = Vec::new();
        moov.extend(32u32.to_be_bytes());
        moov.extend(b"moov");
        moov.extend(1u32.to_be_bytes());
        moov.extend(b"trak");
        moov.extend((u64::MAX - 4).to_be_bytes());
        moov.extend([0u8; 8]);
        let mut f = Fragments::default();
        let mut out = Vec::new();
        f.feed(&moov, &mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            out, moov,
            "the box passes through; its bad child is skipped"
        );

        let mut t = Track {
            id: 1,
            timescale: 1000,
            default_duration: 0,
            end: 0,
        };
        f.tracks = vec![t];
        // traf: tfhd (track 1), tfdt v1 at u64::MAX - 1, trun of 2 samples of u32::MAX.
        let mut traf = Vec::new();
        for (kind, body) in [
            (*b"tfhd", [0u32.to_be_bytes(), 1u32.to_be_bytes()].concat()),
            (
                *b"tfdt",
                [vec![1, 0, 0, 0], (u64::MAX - 1).to_be_bytes().to_vec()].concat(),
            ),
            (
                *b"trun",
                [
                    0x100u32.to_be_bytes(),
                    2u32.to_be_bytes(),
                    u32::MAX.to_be_bytes(),
                    u32::MAX.to_be_bytes(),
                ]
                .concat(),
            ),
        ] {
            traf.extend((body.len() as u32 + 8).to_be_bytes());
            traf.extend(kind);
            traf.extend(body);
        }
        f.read_traf(&traf);
        t.end = u64::MAX;
        assert_eq!(f.tracks, vec![t]);
        assert!(f.end_secs().is_finite());
        // Found by a 10-minute run: a fragment numbered u32::MAX (mfhd) then a pause.
        f.read_moof(
            &[
                &16u32.to_be_bytes()[..],
                b"mfhd",
                &[0; 4],
                &u32::MAX.to_be_bytes(),
            ]
            .concat(),
        );
        assert_eq!(f.continue_after(0.1).fragment_index, u32::MAX);
    }
    use std::process::Command;

    /// Seconds of fragmented MP4 from ffmpeg's test sources, as a recording writes it;
    /// `extra` are output options (a continuation's).
    fn fmp4(secs: u32, extra: &[String]) -> Vec<u8> {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=320x240:rate=30")
            .args(["-f", "lavfi", "-i", "sine=frequency=440"])
            .args(["-t", &secs.to_string()])
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "30"])
            .args(["-c:a", "aac", "-ar", "48000"])
            .args(["-frag_duration", "1000000", "-movflags"])
            .arg(if extra.is_empty() {
                "+frag_keyframe+empty_moov+default_base_moof"
            } else {
                "+frag_keyframe+empty_moov+default_base_moof+frag_discont"
            })
            .args(extra)
            .args(["-f", "mp4", "pipe:1"])
            .output()
            .expect("ffmpeg runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn feed_in_pieces(f: &mut Fragments, data: &[u8], piece: usize, into: &mut Vec<u8>) {
        for chunk in data.chunks(piece) {
            f.feed(chunk, &mut |b| {
                into.extend_from_slice(b);
                Ok(())
            })
            .unwrap();
        }
    }

    fn probe_secs(file: &std::path::Path) -> (f64, String) {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(file)
            .args(["-f", "null", "-"])
            .output()
            .unwrap();
        let errors = String::from_utf8_lossy(&out.stderr).into_owned();
        let d = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
            ])
            .arg(file)
            .output()
            .unwrap();
        let secs = String::from_utf8_lossy(&d.stdout).trim().parse().unwrap();
        (secs, errors)
    }

    #[test]
    fn passes_everything_through_in_any_pieces_and_learns_where_it_ends() {
        let a = fmp4(3, &[]);
        for piece in [1, 7, 4096, a.len()] {
            let mut f = Fragments::default();
            let mut out = Vec::new();
            feed_in_pieces(&mut f, &a, piece, &mut out);
            // All but the seek index at the end.
            let mfra = a.windows(4).rposition(|w| w == b"mfra").unwrap() - 4;
            assert!(out == a[..mfra], "piece {piece}: bytes changed");
            assert!(f.has_init());
            assert!(f.fragments() >= 3, "{}", f.fragments());
            // Audio runs a little past the video's 3 s (whole AAC frames).
            assert!((f.end_secs() - 3.0).abs() < 0.1, "{}", f.end_secs());
        }
    }

    /// Two ffmpeg processes, one file: the second's header is dropped and its fragments
    /// go on where the first's end; the file decodes without a timestamp going back.
    #[test]
    fn a_continuation_goes_on_in_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = Fragments::default();
        let mut file = Vec::new();
        feed_in_pieces(&mut f, &fmp4(3, &[]), 5000, &mut file);
        let first = f.fragments();
        let c = f.continue_after(0.05);
        assert!((c.offset_secs - 3.07).abs() < 0.1, "{c:?}");
        assert_eq!(c.fragment_index as u64, first + 1);
        // What x264 chose for 320x240 at 30 fps (level 1.3), for the next to keep.
        assert_eq!(c.h264_level, Some(13));
        let more = fmp4(
            2,
            &[
                "-avoid_negative_ts".into(),
                "make_non_negative".into(),
                "-output_ts_offset".into(),
                format!("{:.6}", c.offset_secs),
                "-fragment_index".into(),
                c.fragment_index.to_string(),
            ],
        );
        let before = file.len();
        feed_in_pieces(&mut f, &more, 3000, &mut file);
        assert_eq!(
            &file[before + 4..before + 8],
            b"moof",
            "the header was not dropped"
        );
        assert!((f.end_secs() - 5.1).abs() < 0.15, "{}", f.end_secs());
        assert_eq!(f.codec_changes(), 0);
        let path = dir.path().join("both.mp4");
        std::fs::write(&path, &file).unwrap();
        let (secs, errors) = probe_secs(&path);
        assert!((secs - 5.1).abs() < 0.2, "{secs}");
        assert!(errors.is_empty(), "{errors}");
    }

    /// A continuation encoded otherwise (here smaller) is noticed: its header is not
    /// the file's.
    #[test]
    fn a_continuation_with_other_codec_headers_is_noticed() {
        let mut f = Fragments::default();
        let mut file = Vec::new();
        feed_in_pieces(&mut f, &fmp4(1, &[]), 5000, &mut file);
        let c = f.continue_after(0.05);
        let other = fmp4(
            1,
            &[
                "-s".into(),
                "160x120".into(),
                "-output_ts_offset".into(),
                format!("{:.6}", c.offset_secs),
            ],
        );
        feed_in_pieces(&mut f, &other, 3000, &mut file);
        assert_eq!(f.codec_changes(), 1);
    }

    #[test]
    fn nonsense_is_refused_not_buffered_forever() {
        let mut f = Fragments::default();
        let mut huge = vec![0xFF, 0xFF, 0xFF, 0xF0];
        huge.extend_from_slice(b"moof");
        let mut sink = |_: &[u8]| Ok(());
        assert!(f.feed(&huge, &mut sink).is_err());
        let mut g = Fragments::default();
        assert!(
            g.feed(&[0, 0, 0, 3, b'a', b'b', b'c', b'd'], &mut sink)
                .is_err()
        );
    }
}

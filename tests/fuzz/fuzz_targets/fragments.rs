//! ffmpeg's fragmented MP4 as the recorder's fragment reader follows it
//! (crates/media/src/record/fragments.rs). The first byte picks how the stream is cut
//! into reads and where a pause ends the first process. Whatever the bytes: no panic;
//! the same stream cut into different reads gives the same file; the file never holds
//! more than was written; the next process's start is a real time.
#![no_main]

use idance_media::record::fragments::Fragments;
use libfuzzer_sys::fuzz_target;

/// Feeds `data` in reads of `chunk` bytes; the bytes written and whether it was refused.
fn follow(f: &mut Fragments, data: &[u8], chunk: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut ok = true;
    for piece in data.chunks(chunk.max(1)) {
        let mut write = |b: &[u8]| {
            out.extend_from_slice(b);
            Ok(())
        };
        if f.feed(piece, &mut write).is_err() {
            ok = false;
            break;
        }
    }
    (out, ok)
}

fuzz_target!(|input: &[u8]| {
    let Some((&knob, data)) = input.split_first() else {
        return;
    };
    let whole = follow(&mut Fragments::default(), data, data.len());
    let cut = follow(&mut Fragments::default(), data, usize::from(knob % 61) + 1);
    assert_eq!(whole.1, cut.1, "refused whole but not in reads, or the reverse");
    if whole.1 {
        assert_eq!(whole.0, cut.0, "the same stream in other reads wrote another file");
    }
    assert!(whole.0.len() <= data.len());

    // A pause after the first part; a second process writes the rest.
    let at = data.len() * usize::from(knob) / 255;
    let mut f = Fragments::default();
    let (first, ok) = follow(&mut f, &data[..at], data.len());
    if ok {
        let next = f.continue_after(0.1);
        assert!(next.offset_secs.is_finite() && next.offset_secs >= 0.1);
        let (rest, _) = follow(&mut f, &data[at..], data.len());
        assert!(first.len() + rest.len() <= data.len());
    }
    assert!(f.end_secs().is_finite() && f.end_secs() >= 0.0);
});
